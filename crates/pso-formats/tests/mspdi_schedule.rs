//! `pso schedule mspdi`: a hand-checked network, and real files whose stored dates (computed by
//! MS Project) the forward pass must reproduce to the minute.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod shared;

use pso_formats::mspdi::{self, schedule};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const NET: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="http://schemas.microsoft.com/project">
  <StartDate>2025-01-06T08:00:00</StartDate>
  <CalendarUID>1</CalendarUID>
  <MinutesPerDay>480</MinutesPerDay>
  <Calendars>
    <Calendar>
      <UID>1</UID><Name>Standard</Name><IsBaseCalendar>1</IsBaseCalendar><BaseCalendarUID>-1</BaseCalendarUID>
      <WeekDays>
        <WeekDay><DayType>1</DayType><DayWorking>0</DayWorking></WeekDay>
        <WeekDay><DayType>2</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
          <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>3</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
          <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>4</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
          <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>5</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
          <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>6</DayType><DayWorking>1</DayWorking><WorkingTimes>
          <WorkingTime><FromTime>08:00:00</FromTime><ToTime>12:00:00</ToTime></WorkingTime>
          <WorkingTime><FromTime>13:00:00</FromTime><ToTime>17:00:00</ToTime></WorkingTime></WorkingTimes></WeekDay>
        <WeekDay><DayType>7</DayType><DayWorking>0</DayWorking></WeekDay>
      </WeekDays>
      <Exceptions>
        <Exception>
          <EnteredByOccurrences>0</EnteredByOccurrences>
          <TimePeriod><FromDate>2025-01-13T00:00:00</FromDate><ToDate>2025-01-31T23:59:00</ToDate></TimePeriod>
          <Name>No Wednesdays</Name><Type>6</Type><Period>1</Period><DaysOfWeek>8</DaysOfWeek>
          <DayWorking>0</DayWorking>
        </Exception>
      </Exceptions>
    </Calendar>
  </Calendars>
  <Tasks>
    <Task><UID>1</UID><OutlineLevel>1</OutlineLevel><Duration>PT16H0M0S</Duration></Task>
    <Task><UID>2</UID><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
      <PredecessorLink><PredecessorUID>1</PredecessorUID><Type>1</Type><LinkLag>4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink></Task>
    <Task><UID>3</UID><OutlineLevel>1</OutlineLevel><Duration>PT8H0M0S</Duration>
      <PredecessorLink><PredecessorUID>2</PredecessorUID><Type>1</Type><LinkLag>-4800</LinkLag><LagFormat>7</LagFormat></PredecessorLink></Task>
    <Task><UID>4</UID><OutlineLevel>1</OutlineLevel><Duration>PT0H0M0S</Duration><Milestone>1</Milestone>
      <PredecessorLink><PredecessorUID>3</PredecessorUID><Type>1</Type></PredecessorLink></Task>
    <Task><UID>10</UID><OutlineLevel>1</OutlineLevel><Summary>1</Summary></Task>
    <Task><UID>5</UID><OutlineLevel>2</OutlineLevel><Duration>PT24H0M0S</Duration>
      <ConstraintType>4</ConstraintType><ConstraintDate>2025-01-13T08:00:00</ConstraintDate></Task>
    <Task><UID>6</UID><OutlineLevel>2</OutlineLevel><Duration>PT8H0M0S</Duration>
      <PredecessorLink><PredecessorUID>5</PredecessorUID><Type>0</Type></PredecessorLink></Task>
    <Task><UID>7</UID><OutlineLevel>1</OutlineLevel><Duration>PT4H0M0S</Duration>
      <PredecessorLink><PredecessorUID>10</PredecessorUID><Type>1</Type></PredecessorLink></Task>
    <Task><UID>8</UID><OutlineLevel>1</OutlineLevel><Duration>PT4H0M0S</Duration>
      <PredecessorLink><PredecessorUID>7</PredecessorUID><Type>3</Type><LinkLag>1200</LinkLag><LagFormat>5</LagFormat></PredecessorLink></Task>
  </Tasks>
</Project>
"#;

#[test]
fn a_hand_checked_network() {
    let doc = mspdi::from_str(NET).unwrap();
    let s = schedule::schedule(&doc.project).unwrap();
    let got: HashMap<&str, (&str, &str)> = s
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), (t.start.as_str(), t.finish.as_str())))
        .collect();
    let want = [
        // Two days from Monday 08:00.
        ("1", "2025-01-06T08:00", "2025-01-07T17:00"),
        // FS + 1 day: Wednesday is the lag, Thursday the task.
        ("2", "2025-01-09T08:00", "2025-01-09T17:00"),
        // FS - 1 day from task 2: starts with it.
        ("3", "2025-01-09T08:00", "2025-01-09T17:00"),
        // A milestone stays at its predecessor's finish.
        ("4", "2025-01-09T17:00", "2025-01-09T17:00"),
        // SNET Monday 13th, three days, the recurring exception takes Wednesday.
        ("5", "2025-01-13T08:00", "2025-01-16T17:00"),
        // FF: finishes with 5.
        ("6", "2025-01-16T08:00", "2025-01-16T17:00"),
        // The summary spans its children.
        ("10", "2025-01-13T08:00", "2025-01-16T17:00"),
        // FS on the summary.
        ("7", "2025-01-17T08:00", "2025-01-17T12:00"),
        // SS + 2 hours: from 08:00 Friday to 10:00, then four hours over lunch.
        ("8", "2025-01-17T10:00", "2025-01-17T15:00"),
    ];
    for (id, start, finish) in want {
        assert_eq!(got.get(id), Some(&(start, finish)), "task {id}");
    }
    assert_eq!(s.finish, "2025-01-17T15:00");
    // Backward pass: the SNET chain through the summary to task 8 is critical; the milestone 4
    // can slip to the project finish: Friday 10th, Monday, Tuesday, Thursday (Wednesday is off)
    // and 08:00-15:00 on Friday 17th = 38 h = 4.75 days.
    let float: HashMap<&str, (Option<f64>, Option<bool>)> = s
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), (t.total_float_days, t.critical)))
        .collect();
    for id in ["5", "6", "7", "8"] {
        assert_eq!(float[id], (Some(0.0), Some(true)), "task {id}");
    }
    assert_eq!(float["4"], (Some(4.75), Some(false)));
    assert_eq!(float["10"], (None, None));
    assert!(s.tasks.iter().any(|t| t.id == "10" && t.group));
}

#[test]
fn a_cycle_is_reported() {
    let doc = mspdi::from_str(
        "<Project><StartDate>2025-01-06T08:00:00</StartDate><Tasks>\
         <Task><UID>1</UID><Duration>PT8H0M0S</Duration><PredecessorLink><PredecessorUID>2</PredecessorUID></PredecessorLink></Task>\
         <Task><UID>2</UID><Duration>PT8H0M0S</Duration><PredecessorLink><PredecessorUID>1</PredecessorUID></PredecessorLink></Task>\
         </Tasks></Project>",
    )
    .unwrap();
    assert!(matches!(
        schedule::schedule(&doc.project),
        Err(schedule::ScheduleError::Cycle(_))
    ));
}

fn corpus_dir() -> Option<PathBuf> {
    shared::mspdi()
}

/// Tasks MS Project scheduled automatically, without progress, agree to the minute.
fn agreement(path: &Path) -> (usize, usize) {
    let doc = mspdi::read_file(path).unwrap();
    let s = schedule::schedule(&doc.project).unwrap();
    let ours: HashMap<&str, (&str, &str)> = s
        .tasks
        .iter()
        .map(|t| (t.id.as_str(), (t.start.as_str(), t.finish.as_str())))
        .collect();
    let (mut n, mut ok) = (0, 0);
    for t in &doc.project.tasks {
        let eligible = t.uid.is_some_and(|u| u != 0)
            && t.summary != Some(true)
            && t.manual != Some(true)
            && t.is_null != Some(true)
            && t.active != Some(false)
            && t.actual_start.is_none()
            && t.percent_complete.unwrap_or(0.0) == 0.0
            && t.start.is_some()
            && t.finish.is_some();
        if !eligible {
            continue;
        }
        n += 1;
        let id = t.uid.unwrap().to_string();
        let want = (
            schedule::stored(t.start).unwrap(),
            schedule::stored(t.finish).unwrap(),
        );
        if ours.get(id.as_str()) == Some(&(want.0.as_str(), want.1.as_str())) {
            ok += 1;
        }
    }
    (ok, n)
}

#[test]
fn real_files_agree_with_ms_project() {
    let Some(dir) = corpus_dir() else { return };
    for f in [
        "from-mpp/user_nacline1_IMS.mpp.xml",
        "from-mpp/aspose_CustomerFeedback.mpp.xml",
        "from-mpp/user_11011152_CollegeMSProject.mpp.xml",
        "mpxj_task-baselines-project2007-mspdi.xml",
        "mpxj_mspdirelations.xml",
        "mpxj_sample1.xml",
        "mpxj_assignment-text-project2007-mspdi.xml",
    ] {
        let (ok, n) = agreement(&dir.join(f));
        assert!(n > 0, "{f}: nothing to compare");
        assert_eq!(ok, n, "{f}: {ok}/{n} tasks agree");
    }
}

#[test]
fn critical_flags_agree_with_ms_project() {
    let Some(dir) = corpus_dir() else { return };
    for f in [
        "from-mpp/user_nacline1_IMS.mpp.xml",
        "mpxj_task-baselines-project2007-mspdi.xml",
        "mpxj_mspdirelations.xml",
    ] {
        let doc = mspdi::read_file(&dir.join(f)).unwrap();
        let s = schedule::schedule(&doc.project).unwrap();
        let ours: HashMap<&str, Option<bool>> = s
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), t.critical))
            .collect();
        let mut n = 0;
        for t in &doc.project.tasks {
            let (Some(uid), Some(critical)) = (t.uid, t.critical) else {
                continue;
            };
            if uid == 0 || t.summary == Some(true) || t.manual == Some(true) {
                continue;
            }
            n += 1;
            assert_eq!(
                ours[uid.to_string().as_str()],
                Some(critical),
                "{f}: task {uid}"
            );
        }
        assert!(n > 0, "{f}");
    }
}
