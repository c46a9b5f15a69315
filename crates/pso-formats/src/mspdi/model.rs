//! The typed MSPDI model. Each struct types the children PSO uses and keeps every other child
//! verbatim (`extra`) in its place (`order`), so a file read and written again is the same file
//! up to indentation and the spelling of numbers and booleans.

use super::codes::{
    AccrueAt, Coded, ConstraintType, DayType, DurationFormat, LinkType, ResourceType, TaskType,
    WorkContour, WorkFormat,
};
use super::value::{Duration, TimeOfDay};
use super::xml::element;
use chrono::NaiveDateTime;

element! {
    /// `<Project>`: project properties and the five collections.
    pub struct Project {
        save_version: b"SaveVersion" val => Option<i64>,
        uid: b"UID" val => Option<String>,
        name: b"Name" val => Option<String>,
        title: b"Title" val => Option<String>,
        subject: b"Subject" val => Option<String>,
        category: b"Category" val => Option<String>,
        company: b"Company" val => Option<String>,
        manager: b"Manager" val => Option<String>,
        author: b"Author" val => Option<String>,
        creation_date: b"CreationDate" val => Option<NaiveDateTime>,
        last_saved: b"LastSaved" val => Option<NaiveDateTime>,
        /// `true`: forward scheduling from `start_date`; `false`: backward from `finish_date`.
        schedule_from_start: b"ScheduleFromStart" val => Option<bool>,
        start_date: b"StartDate" val => Option<NaiveDateTime>,
        finish_date: b"FinishDate" val => Option<NaiveDateTime>,
        currency_symbol: b"CurrencySymbol" val => Option<String>,
        currency_code: b"CurrencyCode" val => Option<String>,
        /// The project (standard) calendar.
        calendar_uid: b"CalendarUID" val => Option<i64>,
        default_start_time: b"DefaultStartTime" val => Option<TimeOfDay>,
        default_finish_time: b"DefaultFinishTime" val => Option<TimeOfDay>,
        /// Minutes in a "day" of durations (480 by default).
        minutes_per_day: b"MinutesPerDay" val => Option<i64>,
        minutes_per_week: b"MinutesPerWeek" val => Option<i64>,
        days_per_month: b"DaysPerMonth" val => Option<i64>,
        default_task_type: b"DefaultTaskType" val => Option<Coded<TaskType>>,
        duration_format: b"DurationFormat" val => Option<Coded<DurationFormat>>,
        work_format: b"WorkFormat" val => Option<Coded<WorkFormat>>,
        honor_constraints: b"HonorConstraints" val => Option<bool>,
        week_start_day: b"WeekStartDay" val => Option<i64>,
        current_date: b"CurrentDate" val => Option<NaiveDateTime>,
        new_tasks_are_manual: b"NewTasksAreManual" val => Option<bool>,
        status_date: b"StatusDate" val => Option<NaiveDateTime>,
        /// Custom field definitions.
        extended_attributes: b"ExtendedAttributes" list(b"ExtendedAttribute") => Vec<FieldDefinition>,
        calendars: b"Calendars" list(b"Calendar") => Vec<Calendar>,
        tasks: b"Tasks" list(b"Task") => Vec<Task>,
        resources: b"Resources" list(b"Resource") => Vec<Resource>,
        assignments: b"Assignments" list(b"Assignment") => Vec<Assignment>,
    }
}

element! {
    /// A custom field definition (`<ExtendedAttributes><ExtendedAttribute>`).
    pub struct FieldDefinition {
        field_id: b"FieldID" val => Option<String>,
        field_name: b"FieldName" val => Option<String>,
        cf_type: b"CFType" val => Option<i64>,
        guid: b"Guid" val => Option<String>,
        alias: b"Alias" val => Option<String>,
    }
}

element! {
    /// A base or resource calendar.
    pub struct Calendar {
        uid: b"UID" val => Option<i64>,
        guid: b"GUID" val => Option<String>,
        name: b"Name" val => Option<String>,
        is_base_calendar: b"IsBaseCalendar" val => Option<bool>,
        is_baseline_calendar: b"IsBaselineCalendar" val => Option<bool>,
        /// The calendar this one derives from (resource calendars); `-1` for none.
        base_calendar_uid: b"BaseCalendarUID" val => Option<i64>,
        /// Day types 1–7 (Sunday–Saturday); in files before Project 2007 also exceptions
        /// (`day_type == 0` with a `time_period`).
        week_days: b"WeekDays" list(b"WeekDay") => Vec<WeekDay>,
        exceptions: b"Exceptions" list(b"Exception") => Vec<Exception>,
        work_weeks: b"WorkWeeks" list(b"WorkWeek") => Vec<WorkWeek>,
    }
}

element! {
    /// A day of the working week (or, with day type 0, an exception period).
    pub struct WeekDay {
        /// Exception, Sunday … Saturday ([`DayType`]).
        day_type: b"DayType" val => Option<Coded<DayType>>,
        day_working: b"DayWorking" val => Option<bool>,
        time_period: b"TimePeriod" one => Option<TimePeriod>,
        working_times: b"WorkingTimes" list(b"WorkingTime") => Vec<WorkingTime>,
    }
}

element! {
    /// A date range.
    pub struct TimePeriod {
        from_date: b"FromDate" val => Option<NaiveDateTime>,
        to_date: b"ToDate" val => Option<NaiveDateTime>,
    }
}

element! {
    /// A working interval of a day; `to_time` `00:00:00` means midnight at the end of the day.
    pub struct WorkingTime {
        from_time: b"FromTime" val => Option<TimeOfDay>,
        to_time: b"ToTime" val => Option<TimeOfDay>,
    }
}

element! {
    /// A calendar exception (Project 2007 and later), possibly recurring.
    pub struct Exception {
        entered_by_occurrences: b"EnteredByOccurrences" val => Option<bool>,
        time_period: b"TimePeriod" one => Option<TimePeriod>,
        occurrences: b"Occurrences" val => Option<i64>,
        name: b"Name" val => Option<String>,
        /// 1 daily, 2 yearly by month day, 3 yearly by position, 4 monthly by day,
        /// 5 monthly by position, 6 weekly, 7 daily.
        exception_type: b"Type" val => Option<i64>,
        period: b"Period" val => Option<i64>,
        /// Bit mask: 1 Sunday, 2 Monday, … 64 Saturday.
        days_of_week: b"DaysOfWeek" val => Option<i64>,
        month_item: b"MonthItem" val => Option<i64>,
        month_position: b"MonthPosition" val => Option<i64>,
        month: b"Month" val => Option<i64>,
        month_day: b"MonthDay" val => Option<i64>,
        day_working: b"DayWorking" val => Option<bool>,
        working_times: b"WorkingTimes" list(b"WorkingTime") => Vec<WorkingTime>,
    }
}

element! {
    /// A work week: a different working week for a date range.
    pub struct WorkWeek {
        time_period: b"TimePeriod" one => Option<TimePeriod>,
        name: b"Name" val => Option<String>,
        week_days: b"WeekDays" list(b"WeekDay") => Vec<WeekDay>,
    }
}

element! {
    /// A task.
    pub struct Task {
        uid: b"UID" val => Option<i64>,
        guid: b"GUID" val => Option<String>,
        id: b"ID" val => Option<i64>,
        name: b"Name" val => Option<String>,
        active: b"Active" val => Option<bool>,
        /// Manually scheduled.
        manual: b"Manual" val => Option<bool>,
        /// Fixed units, duration or work ([`TaskType`]).
        task_type: b"Type" val => Option<Coded<TaskType>>,
        is_null: b"IsNull" val => Option<bool>,
        create_date: b"CreateDate" val => Option<NaiveDateTime>,
        wbs: b"WBS" val => Option<String>,
        outline_number: b"OutlineNumber" val => Option<String>,
        outline_level: b"OutlineLevel" val => Option<i64>,
        priority: b"Priority" val => Option<i64>,
        start: b"Start" val => Option<NaiveDateTime>,
        finish: b"Finish" val => Option<NaiveDateTime>,
        duration: b"Duration" val => Option<Duration>,
        manual_start: b"ManualStart" val => Option<NaiveDateTime>,
        manual_finish: b"ManualFinish" val => Option<NaiveDateTime>,
        manual_duration: b"ManualDuration" val => Option<Duration>,
        duration_format: b"DurationFormat" val => Option<Coded<DurationFormat>>,
        work: b"Work" val => Option<Duration>,
        stop: b"Stop" val => Option<NaiveDateTime>,
        resume: b"Resume" val => Option<NaiveDateTime>,
        effort_driven: b"EffortDriven" val => Option<bool>,
        recurring: b"Recurring" val => Option<bool>,
        estimated: b"Estimated" val => Option<bool>,
        milestone: b"Milestone" val => Option<bool>,
        summary: b"Summary" val => Option<bool>,
        critical: b"Critical" val => Option<bool>,
        is_subproject: b"IsSubproject" val => Option<bool>,
        external_task: b"ExternalTask" val => Option<bool>,
        fixed_cost: b"FixedCost" val => Option<f64>,
        percent_complete: b"PercentComplete" val => Option<f64>,
        percent_work_complete: b"PercentWorkComplete" val => Option<f64>,
        cost: b"Cost" val => Option<f64>,
        actual_start: b"ActualStart" val => Option<NaiveDateTime>,
        actual_finish: b"ActualFinish" val => Option<NaiveDateTime>,
        actual_duration: b"ActualDuration" val => Option<Duration>,
        actual_work: b"ActualWork" val => Option<Duration>,
        remaining_duration: b"RemainingDuration" val => Option<Duration>,
        remaining_work: b"RemainingWork" val => Option<Duration>,
        /// ASAP, ALAP, MSO, MFO, SNET, SNLT, FNET, FNLT ([`ConstraintType`]).
        constraint_type: b"ConstraintType" val => Option<Coded<ConstraintType>>,
        calendar_uid: b"CalendarUID" val => Option<i64>,
        constraint_date: b"ConstraintDate" val => Option<NaiveDateTime>,
        deadline: b"Deadline" val => Option<NaiveDateTime>,
        level_assignments: b"LevelAssignments" val => Option<bool>,
        leveling_delay: b"LevelingDelay" val => Option<f64>,
        leveling_delay_format: b"LevelingDelayFormat" val => Option<Coded<DurationFormat>>,
        ignore_resource_calendar: b"IgnoreResourceCalendar" val => Option<bool>,
        notes: b"Notes" val => Option<String>,
        predecessor_links: b"PredecessorLink" many => Vec<PredecessorLink>,
        extended_attributes: b"ExtendedAttribute" many => Vec<ExtendedAttribute>,
        baselines: b"Baseline" many => Vec<Baseline>,
        timephased_data: b"TimephasedData" many => Vec<TimephasedData>,
    }
}

element! {
    /// A dependency on a predecessor task.
    pub struct PredecessorLink {
        predecessor_uid: b"PredecessorUID" val => Option<i64>,
        /// FF, FS, SF, SS ([`LinkType`]); MS Project reads a missing type as FS.
        link_type: b"Type" val => Option<Coded<LinkType>>,
        cross_project: b"CrossProject" val => Option<bool>,
        cross_project_name: b"CrossProjectName" val => Option<String>,
        /// Tenths of a minute (or, with a percent lag format, tenths of a percent of the
        /// predecessor's duration); negative for a lead.
        link_lag: b"LinkLag" val => Option<i64>,
        /// Duration format of the lag (days, hours, percent, elapsed …: [`DurationFormat`]).
        lag_format: b"LagFormat" val => Option<Coded<DurationFormat>>,
    }
}

element! {
    /// A custom field value on a task, resource or assignment.
    pub struct ExtendedAttribute {
        uid: b"UID" val => Option<String>,
        field_id: b"FieldID" val => Option<String>,
        value: b"Value" val => Option<String>,
        value_guid: b"ValueGUID" val => Option<String>,
        duration_format: b"DurationFormat" val => Option<Coded<DurationFormat>>,
    }
}

element! {
    /// A baseline (0–10) of a task, resource or assignment.
    pub struct Baseline {
        timephased_data: b"TimephasedData" many => Vec<TimephasedData>,
        number: b"Number" val => Option<i64>,
        interim: b"Interim" val => Option<bool>,
        start: b"Start" val => Option<NaiveDateTime>,
        finish: b"Finish" val => Option<NaiveDateTime>,
        duration: b"Duration" val => Option<Duration>,
        duration_format: b"DurationFormat" val => Option<Coded<DurationFormat>>,
        estimated_duration: b"EstimatedDuration" val => Option<bool>,
        work: b"Work" val => Option<Duration>,
        cost: b"Cost" val => Option<f64>,
        bcws: b"BCWS" val => Option<f64>,
        bcwp: b"BCWP" val => Option<f64>,
        fixed_cost: b"FixedCost" val => Option<f64>,
    }
}

element! {
    /// One period of timephased data.
    pub struct TimephasedData {
        data_type: b"Type" val => Option<i64>,
        uid: b"UID" val => Option<i64>,
        start: b"Start" val => Option<NaiveDateTime>,
        finish: b"Finish" val => Option<NaiveDateTime>,
        unit: b"Unit" val => Option<i64>,
        value: b"Value" val => Option<String>,
    }
}

element! {
    /// A resource.
    pub struct Resource {
        uid: b"UID" val => Option<i64>,
        guid: b"GUID" val => Option<String>,
        id: b"ID" val => Option<i64>,
        name: b"Name" val => Option<String>,
        /// Material, work or cost ([`ResourceType`]).
        resource_type: b"Type" val => Option<Coded<ResourceType>>,
        is_null: b"IsNull" val => Option<bool>,
        initials: b"Initials" val => Option<String>,
        material_label: b"MaterialLabel" val => Option<String>,
        code: b"Code" val => Option<String>,
        group: b"Group" val => Option<String>,
        email_address: b"EmailAddress" val => Option<String>,
        max_units: b"MaxUnits" val => Option<f64>,
        can_level: b"CanLevel" val => Option<bool>,
        accrue_at: b"AccrueAt" val => Option<Coded<AccrueAt>>,
        work: b"Work" val => Option<Duration>,
        standard_rate: b"StandardRate" val => Option<f64>,
        standard_rate_format: b"StandardRateFormat" val => Option<i64>,
        cost: b"Cost" val => Option<f64>,
        overtime_rate: b"OvertimeRate" val => Option<f64>,
        overtime_rate_format: b"OvertimeRateFormat" val => Option<i64>,
        cost_per_use: b"CostPerUse" val => Option<f64>,
        calendar_uid: b"CalendarUID" val => Option<i64>,
        notes: b"Notes" val => Option<String>,
        is_generic: b"IsGeneric" val => Option<bool>,
        is_inactive: b"IsInactive" val => Option<bool>,
        is_cost_resource: b"IsCostResource" val => Option<bool>,
        is_budget: b"IsBudget" val => Option<bool>,
        extended_attributes: b"ExtendedAttribute" many => Vec<ExtendedAttribute>,
        baselines: b"Baseline" many => Vec<Baseline>,
        availability_periods: b"AvailabilityPeriods" list(b"AvailabilityPeriod") => Vec<AvailabilityPeriod>,
        rates: b"Rates" list(b"Rate") => Vec<Rate>,
    }
}

element! {
    /// A cost rate table entry of a resource.
    pub struct Rate {
        rates_from: b"RatesFrom" val => Option<NaiveDateTime>,
        rates_to: b"RatesTo" val => Option<NaiveDateTime>,
        rate_table: b"RateTable" val => Option<i64>,
        standard_rate: b"StandardRate" val => Option<f64>,
        standard_rate_format: b"StandardRateFormat" val => Option<i64>,
        overtime_rate: b"OvertimeRate" val => Option<f64>,
        overtime_rate_format: b"OvertimeRateFormat" val => Option<i64>,
        cost_per_use: b"CostPerUse" val => Option<f64>,
    }
}

element! {
    /// A period of resource availability.
    pub struct AvailabilityPeriod {
        available_from: b"AvailableFrom" val => Option<NaiveDateTime>,
        available_to: b"AvailableTo" val => Option<NaiveDateTime>,
        available_units: b"AvailableUnits" val => Option<f64>,
    }
}

element! {
    /// A resource assigned to a task.
    pub struct Assignment {
        uid: b"UID" val => Option<i64>,
        task_uid: b"TaskUID" val => Option<i64>,
        resource_uid: b"ResourceUID" val => Option<i64>,
        percent_work_complete: b"PercentWorkComplete" val => Option<f64>,
        actual_work: b"ActualWork" val => Option<Duration>,
        cost: b"Cost" val => Option<f64>,
        /// Delay of the assignment's start after the task's, in tenths of a minute.
        delay: b"Delay" val => Option<f64>,
        finish: b"Finish" val => Option<NaiveDateTime>,
        /// Leveling delay, in tenths of a minute, in `leveling_delay_format`.
        leveling_delay: b"LevelingDelay" val => Option<f64>,
        leveling_delay_format: b"LevelingDelayFormat" val => Option<Coded<DurationFormat>>,
        notes: b"Notes" val => Option<String>,
        remaining_work: b"RemainingWork" val => Option<Duration>,
        start: b"Start" val => Option<NaiveDateTime>,
        units: b"Units" val => Option<f64>,
        work: b"Work" val => Option<Duration>,
        /// Flat, back loaded, … contoured (edited timephased work): [`WorkContour`].
        work_contour: b"WorkContour" val => Option<Coded<WorkContour>>,
        extended_attributes: b"ExtendedAttribute" many => Vec<ExtendedAttribute>,
        baselines: b"Baseline" many => Vec<Baseline>,
        timephased_data: b"TimephasedData" many => Vec<TimephasedData>,
    }
}
