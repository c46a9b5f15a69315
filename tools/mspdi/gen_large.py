#!/usr/bin/env python3
"""Generate a large MSPDI file shaped like what MS Project 2019 saves.

    tools/mspdi/gen_large.py --tasks 20000 --out /tmp/big20k.xml     # about 66 MB
    tools/mspdi/gen_large.py --tasks 60000 --out /tmp/big200m.xml    # about 200 MB

Every 20th task is a summary over the next 19; leaves have a duration of 1-10 days, an FS link
(sometimes SS with a lag, sometimes a negative lag) to the previous leaf, a baseline 0, two
custom fields and one resource assignment with timephased work. Deterministic (seeded).
"""

import argparse
import datetime as dt
import random

HEADER = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project xmlns="http://schemas.microsoft.com/project">
\t<SaveVersion>14</SaveVersion>
\t<BuildNumber>16.0.10730.20102</BuildNumber>
\t<Name>generated.xml</Name>
\t<Title>Generated large project</Title>
\t<CreationDate>2025-01-06T08:00:00</CreationDate>
\t<LastSaved>2025-01-06T08:00:00</LastSaved>
\t<ScheduleFromStart>1</ScheduleFromStart>
\t<StartDate>2025-01-06T08:00:00</StartDate>
\t<FinishDate>2035-01-06T17:00:00</FinishDate>
\t<FYStartDate>1</FYStartDate>
\t<CriticalSlackLimit>0</CriticalSlackLimit>
\t<CurrencyDigits>2</CurrencyDigits>
\t<CurrencySymbol>€</CurrencySymbol>
\t<CurrencyCode>EUR</CurrencyCode>
\t<CurrencySymbolPosition>0</CurrencySymbolPosition>
\t<CalendarUID>1</CalendarUID>
\t<DefaultStartTime>08:00:00</DefaultStartTime>
\t<DefaultFinishTime>17:00:00</DefaultFinishTime>
\t<MinutesPerDay>480</MinutesPerDay>
\t<MinutesPerWeek>2400</MinutesPerWeek>
\t<DaysPerMonth>20</DaysPerMonth>
\t<DefaultTaskType>0</DefaultTaskType>
\t<DurationFormat>7</DurationFormat>
\t<WorkFormat>2</WorkFormat>
\t<HonorConstraints>0</HonorConstraints>
\t<WeekStartDay>1</WeekStartDay>
\t<CurrentDate>2025-01-06T08:00:00</CurrentDate>
\t<NewTasksAreManual>0</NewTasksAreManual>
\t<ExtendedAttributes>
\t\t<ExtendedAttribute>
\t\t\t<FieldID>188743731</FieldID>
\t\t\t<FieldName>Text1</FieldName>
\t\t\t<Alias>Work package</Alias>
\t\t</ExtendedAttribute>
\t\t<ExtendedAttribute>
\t\t\t<FieldID>188743767</FieldID>
\t\t\t<FieldName>Number1</FieldName>
\t\t\t<Alias>Risk score</Alias>
\t\t</ExtendedAttribute>
\t</ExtendedAttributes>
\t<Calendars>
\t\t<Calendar>
\t\t\t<UID>1</UID>
\t\t\t<Name>Standard</Name>
\t\t\t<IsBaseCalendar>1</IsBaseCalendar>
\t\t\t<IsBaselineCalendar>0</IsBaselineCalendar>
\t\t\t<BaseCalendarUID>-1</BaseCalendarUID>
\t\t\t<WeekDays>
{weekdays}
\t\t\t</WeekDays>
\t\t\t<Exceptions>
\t\t\t\t<Exception>
\t\t\t\t\t<EnteredByOccurrences>1</EnteredByOccurrences>
\t\t\t\t\t<TimePeriod>
\t\t\t\t\t\t<FromDate>2025-12-25T00:00:00</FromDate>
\t\t\t\t\t\t<ToDate>2034-12-25T23:59:00</ToDate>
\t\t\t\t\t</TimePeriod>
\t\t\t\t\t<Occurrences>10</Occurrences>
\t\t\t\t\t<Name>Christmas</Name>
\t\t\t\t\t<Type>2</Type>
\t\t\t\t\t<Month>11</Month>
\t\t\t\t\t<MonthDay>25</MonthDay>
\t\t\t\t\t<DayWorking>0</DayWorking>
\t\t\t\t</Exception>
\t\t\t</Exceptions>
\t\t</Calendar>
\t</Calendars>
"""


def weekdays():
    out = []
    for d in range(1, 8):
        if d in (1, 7):
            out.append(f"\t\t\t\t<WeekDay>\n\t\t\t\t\t<DayType>{d}</DayType>\n\t\t\t\t\t<DayWorking>0</DayWorking>\n\t\t\t\t</WeekDay>")
        else:
            out.append(
                f"\t\t\t\t<WeekDay>\n\t\t\t\t\t<DayType>{d}</DayType>\n\t\t\t\t\t<DayWorking>1</DayWorking>\n"
                "\t\t\t\t\t<WorkingTimes>\n"
                "\t\t\t\t\t\t<WorkingTime>\n\t\t\t\t\t\t\t<FromTime>08:00:00</FromTime>\n\t\t\t\t\t\t\t<ToTime>12:00:00</ToTime>\n\t\t\t\t\t\t</WorkingTime>\n"
                "\t\t\t\t\t\t<WorkingTime>\n\t\t\t\t\t\t\t<FromTime>13:00:00</FromTime>\n\t\t\t\t\t\t\t<ToTime>17:00:00</ToTime>\n\t\t\t\t\t\t</WorkingTime>\n"
                "\t\t\t\t\t</WorkingTimes>\n\t\t\t\t</WeekDay>"
            )
    return "\n".join(out)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def task_xml(uid, name, level, outline, summary, days, start, finish, links, rnd):
    dur = f"PT{days * 8}H0M0S"
    f = []
    add = f.append
    for tag, val in [
        ("UID", uid), ("GUID", f"{uid:08X}-0000-4000-8000-000000000000"), ("ID", uid), ("Name", name),
        ("Active", 1), ("Manual", 0), ("Type", 0), ("IsNull", 0), ("CreateDate", "2025-01-06T08:00:00"),
        ("WBS", outline), ("OutlineNumber", outline), ("OutlineLevel", level), ("Priority", 500),
        ("Start", fmt(start)), ("Finish", fmt(finish)), ("Duration", dur), ("DurationFormat", 7),
        ("Work", f"PT{days * 8}H0M0S"), ("EffortDriven", 0), ("Recurring", 0),
        ("OverAllocated", 0), ("Estimated", 0), ("Milestone", 0), ("FixedCostAccrual", 3),
        ("Summary", 1 if summary else 0), ("Critical", 0), ("IsSubproject", 0),
        ("ExternalTask", 0), ("FreeSlack", 0),
        ("TotalSlack", 0), ("FixedCost", 0), ("PercentComplete", 0),
        ("PercentWorkComplete", 0), ("Cost", days * 400), ("ActualDuration", "PT0H0M0S"), ("ActualCost", 0), ("ActualWork", "PT0H0M0S"), ("RegularWork", dur),
        ("RemainingDuration", dur), ("RemainingCost", days * 400), ("RemainingWork", dur),
        ("ACWP", 0), ("CV", 0),
        ("ConstraintType", 0), ("CalendarUID", -1), ("LevelAssignments", 1), ("LevelingCanSplit", 1),
        ("LevelingDelay", 0), ("LevelingDelayFormat", 8), ("IgnoreResourceCalendar", 0),
        ("Notes", f"Generated task {uid}: scope &amp; notes"), ("HideBar", 0), ("Rollup", 0), ("BCWS", 0),
        ("BCWP", 0), ("PhysicalPercentComplete", 0), ("EarnedValueMethod", 0),
    ]:
        add(f"\t\t\t<{tag}>{val}</{tag}>")
    for pred, typ, lag in links:
        add(
            f"\t\t\t<PredecessorLink>\n\t\t\t\t<PredecessorUID>{pred}</PredecessorUID>\n\t\t\t\t<Type>{typ}</Type>\n"
            f"\t\t\t\t<CrossProject>0</CrossProject>\n\t\t\t\t<LinkLag>{lag}</LinkLag>\n\t\t\t\t<LagFormat>7</LagFormat>\n"
            "\t\t\t</PredecessorLink>"
        )
    for tag, val in [("IsPublished", 1), ("CommitmentType", 0)]:
        add(f"\t\t\t<{tag}>{val}</{tag}>")
    add(
        f"\t\t\t<ExtendedAttribute>\n\t\t\t\t<FieldID>188743731</FieldID>\n\t\t\t\t<Value>WP-{uid // 20:05d}</Value>\n\t\t\t</ExtendedAttribute>"
    )
    add(
        f"\t\t\t<ExtendedAttribute>\n\t\t\t\t<FieldID>188743767</FieldID>\n\t\t\t\t<Value>{rnd.randint(1, 25)}</Value>\n\t\t\t</ExtendedAttribute>"
    )
    for n in (0,):
        add(
            f"\t\t\t<Baseline>\n\t\t\t\t<Number>{n}</Number>\n\t\t\t\t<Start>{fmt(start)}</Start>\n\t\t\t\t<Finish>{fmt(finish)}</Finish>\n"
            f"\t\t\t\t<Duration>{dur}</Duration>\n\t\t\t\t<DurationFormat>7</DurationFormat>\n\t\t\t\t<Work>{dur}</Work>\n"
            f"\t\t\t\t<Cost>{days * 400}</Cost>\n\t\t\t</Baseline>"
        )
    return "\t\t<Task>\n" + "\n".join(f) + "\n\t\t</Task>\n"


def add_workdays(t, days):
    n = 0
    while n < days:
        t += dt.timedelta(days=1)
        if t.weekday() < 5:
            n += 1
    return t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=20000)
    ap.add_argument("--resources", type=int, default=200)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    start0 = dt.datetime(2025, 1, 6, 8, 0)
    with open(a.out, "w", encoding="utf-8") as out:
        out.write(HEADER.replace("{weekdays}", weekdays()))
        out.write("\t<Tasks>\n")
        leaves = []
        prev_leaf = None
        t = start0
        summary_no = 0
        for uid in range(1, a.tasks + 1):
            if (uid - 1) % 20 == 0:
                summary_no += 1
                out.write(task_xml(uid, f"Phase {summary_no}", 1, str(summary_no), True, 19, t,
                                   t + dt.timedelta(days=27, hours=9), [], rnd))
                child = 0
                continue
            child += 1
            days = rnd.randint(1, 10)
            links = []
            if prev_leaf is not None:
                r = rnd.random()
                if r < 0.8:
                    links.append((prev_leaf, 1, 0))
                elif r < 0.9:
                    links.append((prev_leaf, 3, 4800 * rnd.randint(1, 3)))
                else:
                    links.append((prev_leaf, 1, -4800))
            finish = add_workdays(t, days - 1).replace(hour=17)
            out.write(task_xml(uid, f"Task {uid}", 2, f"{summary_no}.{child}", False, days, t, finish,
                               links, rnd))
            leaves.append((uid, t, finish, days))
            prev_leaf = uid
            t = add_workdays(finish.replace(hour=8), 1)
        out.write("\t</Tasks>\n\t<Resources>\n")
        for r in range(1, a.resources + 1):
            out.write(
                f"\t\t<Resource>\n\t\t\t<UID>{r}</UID>\n\t\t\t<ID>{r}</ID>\n\t\t\t<Name>Resource {r}</Name>\n"
                f"\t\t\t<Type>1</Type>\n\t\t\t<IsNull>0</IsNull>\n\t\t\t<Initials>R{r}</Initials>\n"
                f"\t\t\t<Group>Team {r % 10}</Group>\n\t\t\t<EmailAddress>r{r}@example.org</EmailAddress>\n"
                f"\t\t\t<MaxUnits>1.00</MaxUnits>\n\t\t\t<StandardRate>50</StandardRate>\n"
                f"\t\t\t<StandardRateFormat>2</StandardRateFormat>\n\t\t\t<OvertimeRate>75</OvertimeRate>\n"
                f"\t\t\t<OvertimeRateFormat>2</OvertimeRateFormat>\n\t\t\t<CostPerUse>0</CostPerUse>\n"
                f"\t\t\t<CalendarUID>1</CalendarUID>\n\t\t</Resource>\n"
            )
        out.write("\t</Resources>\n\t<Assignments>\n")
        for i, (uid, s, f, days) in enumerate(leaves):
            work = f"PT{days * 8}H0M0S"
            tp = "".join(
                f"\t\t\t<TimephasedData>\n\t\t\t\t<Type>1</Type>\n\t\t\t\t<UID>{i + 1}</UID>\n"
                f"\t\t\t\t<Start>{fmt(s)}</Start>\n\t\t\t\t<Finish>{fmt(f)}</Finish>\n\t\t\t\t<Unit>2</Unit>\n"
                f"\t\t\t\t<Value>PT8H0M0S</Value>\n\t\t\t</TimephasedData>\n"
                for _ in range(1)
            )
            out.write(
                f"\t\t<Assignment>\n\t\t\t<UID>{i + 1}</UID>\n\t\t\t<TaskUID>{uid}</TaskUID>\n"
                f"\t\t\t<ResourceUID>{i % a.resources + 1}</ResourceUID>\n\t\t\t<PercentWorkComplete>0</PercentWorkComplete>\n"
                f"\t\t\t<ActualCost>0</ActualCost>\n\t\t\t<ActualWork>PT0H0M0S</ActualWork>\n\t\t\t<Cost>{days * 400}</Cost>\n"
                f"\t\t\t<Finish>{fmt(f)}</Finish>\n\t\t\t<RemainingWork>{work}</RemainingWork>\n\t\t\t<Start>{fmt(s)}</Start>\n"
                f"\t\t\t<Units>1</Units>\n\t\t\t<Work>{work}</Work>\n\t\t\t<WorkContour>0</WorkContour>\n{tp}"
                f"\t\t\t<Baseline>\n\t\t\t\t<Number>0</Number>\n\t\t\t\t<Start>{fmt(s)}</Start>\n\t\t\t\t<Finish>{fmt(f)}</Finish>\n"
                f"\t\t\t\t<Work>{work}</Work>\n\t\t\t\t<Cost>{days * 400}</Cost>\n\t\t\t</Baseline>\n\t\t</Assignment>\n"
            )
        out.write("\t</Assignments>\n</Project>\n")


if __name__ == "__main__":
    main()
