//! MS Project's numeric codes (link types, duration formats, task types, …), decoded once into
//! enums when a file is read.
//!
//! A coded leaf is held as [`Coded<T>`]: [`Coded::Known`] for a code the enum documents,
//! [`Coded::Unknown`] for any other integer, so an unknown code stays visible (a report can
//! name it) and is written back as it was read. Writing emits the code's number, exactly as the
//! model wrote the raw `i64` before (`01` is read as 1 and written as `1`).

use super::value::Value;
use std::fmt::Write as _;

/// An enum of MS Project codes.
pub trait Code: Copy + Sized {
    /// The variant of `code`; `None` for a code the enum does not document.
    fn from_code(code: i64) -> Option<Self>;
    /// The number MS Project writes for the variant.
    fn code(self) -> i64;
}

/// A coded value as read: a documented code, or another integer kept as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coded<T> {
    /// A code the enum documents.
    Known(T),
    /// Any other integer (from a newer MS Project, another tool, or a broken file).
    Unknown(i64),
}

impl<T: Code> Coded<T> {
    /// `Known` for a documented code, `Unknown` otherwise.
    pub fn from_code(code: i64) -> Self {
        T::from_code(code).map_or(Self::Unknown(code), Self::Known)
    }
    /// The number (the variant's code, or the unknown integer).
    pub fn code(self) -> i64 {
        match self {
            Self::Known(t) => t.code(),
            Self::Unknown(c) => c,
        }
    }
    /// The variant, `None` for an unknown code.
    pub fn known(self) -> Option<T> {
        match self {
            Self::Known(t) => Some(t),
            Self::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Coded<T> {
    fn from(t: T) -> Self {
        Self::Known(t)
    }
}

impl<T: Code> Value for Coded<T> {
    fn parse(text: &str) -> Option<Self> {
        i64::parse(text).map(Self::from_code)
    }
    fn emit(&self, out: &mut String) {
        let _ = write!(out, "{}", self.code());
    }
}

/// Defines a code enum: variants with their codes, `from_code`, `code` and `ALL`.
macro_rules! codes {
    (
        $(#[$m:meta])*
        pub enum $name:ident {
            $( $(#[$vm:meta])* $var:ident = $code:literal ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vm])* $var ),*
        }

        impl $name {
            /// Every variant, in code order.
            pub const ALL: &'static [$name] = &[$($name::$var),*];

            /// The variant of `code`; `None` for a code MS Project does not document.
            pub fn from_code(code: i64) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$var), )*
                    _ => None,
                }
            }

            /// The number MS Project writes for the variant.
            pub fn code(self) -> i64 {
                match self {
                    $( Self::$var => $code, )*
                }
            }
        }

        impl Code for $name {
            fn from_code(code: i64) -> Option<Self> {
                $name::from_code(code)
            }
            fn code(self) -> i64 {
                $name::code(self)
            }
        }
    };
}

codes! {
    /// A predecessor link's type (`<PredecessorLink><Type>`).
    pub enum LinkType {
        FinishToFinish = 0,
        FinishToStart = 1,
        StartToFinish = 2,
        StartToStart = 3,
    }
}

codes! {
    /// The unit a duration or lag is shown in (`DurationFormat`, `LagFormat`,
    /// `LevelingDelayFormat`). Elapsed formats count calendar time, estimated ones carry a `?`.
    pub enum DurationFormat {
        Minutes = 3,
        ElapsedMinutes = 4,
        Hours = 5,
        ElapsedHours = 6,
        Days = 7,
        ElapsedDays = 8,
        Weeks = 9,
        ElapsedWeeks = 10,
        Months = 11,
        ElapsedMonths = 12,
        Percent = 19,
        ElapsedPercent = 20,
        /// No format.
        Null = 21,
        EstimatedMinutes = 35,
        EstimatedElapsedMinutes = 36,
        EstimatedHours = 37,
        EstimatedElapsedHours = 38,
        EstimatedDays = 39,
        EstimatedElapsedDays = 40,
        EstimatedWeeks = 41,
        EstimatedElapsedWeeks = 42,
        EstimatedMonths = 43,
        EstimatedElapsedMonths = 44,
        EstimatedPercent = 51,
        EstimatedElapsedPercent = 52,
        EstimatedNull = 53,
    }
}

impl DurationFormat {
    /// Elapsed formats (em, eh, ed, ew, emo, e%, and their estimated forms).
    pub fn is_elapsed(self) -> bool {
        use DurationFormat::*;
        matches!(
            self,
            ElapsedMinutes
                | ElapsedHours
                | ElapsedDays
                | ElapsedWeeks
                | ElapsedMonths
                | ElapsedPercent
                | EstimatedElapsedMinutes
                | EstimatedElapsedHours
                | EstimatedElapsedDays
                | EstimatedElapsedWeeks
                | EstimatedElapsedMonths
                | EstimatedElapsedPercent
        )
    }

    /// Percent formats (a lag in percent of the predecessor's duration).
    pub fn is_percent(self) -> bool {
        use DurationFormat::*;
        matches!(
            self,
            Percent | ElapsedPercent | EstimatedPercent | EstimatedElapsedPercent
        )
    }

    /// Estimated formats (shown with a `?`).
    pub fn is_estimated(self) -> bool {
        self.code() >= 35
    }
}

/// Whether an optional coded format is elapsed (unknown or missing: no).
pub fn is_elapsed(format: Option<Coded<DurationFormat>>) -> bool {
    format
        .and_then(Coded::known)
        .is_some_and(DurationFormat::is_elapsed)
}

/// Whether an optional coded format is a percentage (unknown or missing: no).
pub fn is_percent(format: Option<Coded<DurationFormat>>) -> bool {
    format
        .and_then(Coded::known)
        .is_some_and(DurationFormat::is_percent)
}

codes! {
    /// The unit work is shown in (`<Project><WorkFormat>`).
    pub enum WorkFormat {
        Minutes = 1,
        Hours = 2,
        Days = 3,
        Weeks = 4,
        Months = 5,
    }
}

codes! {
    /// A task's type (`<Task><Type>`, `<Project><DefaultTaskType>`): what stays fixed when
    /// the others change.
    pub enum TaskType {
        FixedUnits = 0,
        FixedDuration = 1,
        FixedWork = 2,
    }
}

codes! {
    /// A task's date constraint (`<Task><ConstraintType>`).
    pub enum ConstraintType {
        AsSoonAsPossible = 0,
        AsLateAsPossible = 1,
        MustStartOn = 2,
        MustFinishOn = 3,
        StartNoEarlierThan = 4,
        StartNoLaterThan = 5,
        FinishNoEarlierThan = 6,
        FinishNoLaterThan = 7,
    }
}

impl ConstraintType {
    /// The constraint in words (`must start on`).
    pub fn phrase(self) -> &'static str {
        match self {
            Self::AsSoonAsPossible => "as soon as possible",
            Self::AsLateAsPossible => "as late as possible",
            Self::MustStartOn => "must start on",
            Self::MustFinishOn => "must finish on",
            Self::StartNoEarlierThan => "start no earlier than",
            Self::StartNoLaterThan => "start no later than",
            Self::FinishNoEarlierThan => "finish no earlier than",
            Self::FinishNoLaterThan => "finish no later than",
        }
    }

    /// Constraints with a date (all but as soon / as late as possible).
    pub fn has_date(self) -> bool {
        !matches!(self, Self::AsSoonAsPossible | Self::AsLateAsPossible)
    }
}

codes! {
    /// A resource's type (`<Resource><Type>`).
    pub enum ResourceType {
        Material = 0,
        Work = 1,
        Cost = 2,
    }
}

codes! {
    /// When a cost accrues (`<Resource><AccrueAt>`).
    pub enum AccrueAt {
        Start = 1,
        End = 2,
        Prorated = 3,
    }
}

codes! {
    /// How an assignment's work is spread over its duration (`<Assignment><WorkContour>`).
    pub enum WorkContour {
        Flat = 0,
        BackLoaded = 1,
        FrontLoaded = 2,
        DoublePeak = 3,
        EarlyPeak = 4,
        LatePeak = 5,
        Bell = 6,
        Turtle = 7,
        /// Timephased work edited by hand.
        Contoured = 8,
    }
}

codes! {
    /// A calendar week day's type (`<WeekDay><DayType>`): a day of the week, or (in files
    /// before Project 2007) an exception with a time period.
    pub enum DayType {
        Exception = 0,
        Sunday = 1,
        Monday = 2,
        Tuesday = 3,
        Wednesday = 4,
        Thursday = 5,
        Friday = 6,
        Saturday = 7,
    }
}

impl DayType {
    /// Sunday-first index (0 Sunday … 6 Saturday); `None` for an exception.
    pub fn sunday_index(self) -> Option<usize> {
        (self != Self::Exception).then(|| self.code() as usize - 1)
    }

    /// The day of a Sunday-first index (0 Sunday … 6 Saturday).
    pub fn from_sunday_index(i: usize) -> Option<Self> {
        Self::from_code(i64::try_from(i).ok()? + 1).filter(|d| *d != Self::Exception)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented code maps to its variant and back; every other code is unknown.
    fn round_trip<T: Code + PartialEq + std::fmt::Debug>(all: &[T], documented: &[(i64, T)]) {
        assert_eq!(all.len(), documented.len());
        for (code, v) in documented {
            assert_eq!(T::from_code(*code), Some(*v), "code {code}");
            assert_eq!(v.code(), *code);
            assert_eq!(Coded::<T>::from_code(*code), Coded::Known(*v));
            assert_eq!(Coded::Known(*v).code(), *code);
        }
        for code in -3..200 {
            if documented.iter().all(|(c, _)| *c != code) {
                assert_eq!(T::from_code(code), None, "code {code}");
                assert_eq!(Coded::<T>::from_code(code), Coded::Unknown(code));
                assert_eq!(Coded::<T>::from_code(code).code(), code);
                assert_eq!(Coded::<T>::from_code(code).known(), None);
            }
        }
        for v in all {
            assert!(documented.iter().any(|(_, d)| d == v));
        }
    }

    #[test]
    fn link_types() {
        use LinkType::*;
        round_trip(
            LinkType::ALL,
            &[
                (0, FinishToFinish),
                (1, FinishToStart),
                (2, StartToFinish),
                (3, StartToStart),
            ],
        );
    }

    #[test]
    fn duration_formats() {
        use DurationFormat::*;
        let documented = [
            (3, Minutes),
            (4, ElapsedMinutes),
            (5, Hours),
            (6, ElapsedHours),
            (7, Days),
            (8, ElapsedDays),
            (9, Weeks),
            (10, ElapsedWeeks),
            (11, Months),
            (12, ElapsedMonths),
            (19, Percent),
            (20, ElapsedPercent),
            (21, Null),
            (35, EstimatedMinutes),
            (36, EstimatedElapsedMinutes),
            (37, EstimatedHours),
            (38, EstimatedElapsedHours),
            (39, EstimatedDays),
            (40, EstimatedElapsedDays),
            (41, EstimatedWeeks),
            (42, EstimatedElapsedWeeks),
            (43, EstimatedMonths),
            (44, EstimatedElapsedMonths),
            (51, EstimatedPercent),
            (52, EstimatedElapsedPercent),
            (53, EstimatedNull),
        ];
        round_trip(DurationFormat::ALL, &documented);
        // The sets the mapping used as numbers before.
        let elapsed: Vec<i64> = DurationFormat::ALL
            .iter()
            .filter(|f| f.is_elapsed())
            .map(|f| f.code())
            .collect();
        assert_eq!(elapsed, [4, 6, 8, 10, 12, 20, 36, 38, 40, 42, 44, 52]);
        let percent: Vec<i64> = DurationFormat::ALL
            .iter()
            .filter(|f| f.is_percent())
            .map(|f| f.code())
            .collect();
        assert_eq!(percent, [19, 20, 51, 52]);
        assert!(EstimatedDays.is_estimated() && !Days.is_estimated());
        assert!(is_elapsed(Some(Coded::Known(ElapsedDays))));
        assert!(!is_elapsed(Some(Coded::Unknown(8000))));
        assert!(!is_elapsed(None));
        assert!(is_percent(Some(Coded::from_code(51))));
        assert!(!is_percent(Some(Coded::Unknown(-19))));
    }

    #[test]
    fn other_codes() {
        round_trip(
            WorkFormat::ALL,
            &[
                (1, WorkFormat::Minutes),
                (2, WorkFormat::Hours),
                (3, WorkFormat::Days),
                (4, WorkFormat::Weeks),
                (5, WorkFormat::Months),
            ],
        );
        round_trip(
            TaskType::ALL,
            &[
                (0, TaskType::FixedUnits),
                (1, TaskType::FixedDuration),
                (2, TaskType::FixedWork),
            ],
        );
        use ConstraintType::*;
        round_trip(
            ConstraintType::ALL,
            &[
                (0, AsSoonAsPossible),
                (1, AsLateAsPossible),
                (2, MustStartOn),
                (3, MustFinishOn),
                (4, StartNoEarlierThan),
                (5, StartNoLaterThan),
                (6, FinishNoEarlierThan),
                (7, FinishNoLaterThan),
            ],
        );
        assert_eq!(FinishNoLaterThan.phrase(), "finish no later than");
        assert!(MustStartOn.has_date() && !AsLateAsPossible.has_date());
        round_trip(
            ResourceType::ALL,
            &[
                (0, ResourceType::Material),
                (1, ResourceType::Work),
                (2, ResourceType::Cost),
            ],
        );
        round_trip(
            AccrueAt::ALL,
            &[
                (1, AccrueAt::Start),
                (2, AccrueAt::End),
                (3, AccrueAt::Prorated),
            ],
        );
        use WorkContour::*;
        round_trip(
            WorkContour::ALL,
            &[
                (0, Flat),
                (1, BackLoaded),
                (2, FrontLoaded),
                (3, DoublePeak),
                (4, EarlyPeak),
                (5, LatePeak),
                (6, Bell),
                (7, Turtle),
                (8, Contoured),
            ],
        );
    }

    #[test]
    fn day_types() {
        use DayType::*;
        round_trip(
            DayType::ALL,
            &[
                (0, Exception),
                (1, Sunday),
                (2, Monday),
                (3, Tuesday),
                (4, Wednesday),
                (5, Thursday),
                (6, Friday),
                (7, Saturday),
            ],
        );
        assert_eq!(Exception.sunday_index(), None);
        assert_eq!(Sunday.sunday_index(), Some(0));
        assert_eq!(Saturday.sunday_index(), Some(6));
        for i in 0..7 {
            assert_eq!(
                DayType::from_sunday_index(i).unwrap().sunday_index(),
                Some(i)
            );
        }
        assert_eq!(DayType::from_sunday_index(7), None);
    }

    #[test]
    fn coded_values_parse_and_emit_as_numbers() {
        let emit = |c: Coded<LinkType>| {
            let mut s = String::new();
            c.emit(&mut s);
            s
        };
        assert_eq!(
            Coded::<LinkType>::parse(" 1 "),
            Some(Coded::Known(LinkType::FinishToStart))
        );
        assert_eq!(Coded::<LinkType>::parse("9"), Some(Coded::Unknown(9)));
        assert_eq!(Coded::<LinkType>::parse("-4"), Some(Coded::Unknown(-4)));
        assert_eq!(Coded::<LinkType>::parse("FS"), None);
        assert_eq!(Coded::<LinkType>::parse("1.0"), None);
        assert_eq!(emit(Coded::Known(LinkType::StartToStart)), "3");
        assert_eq!(emit(Coded::Unknown(42)), "42");
        assert_eq!(emit(Coded::<LinkType>::parse("007").unwrap()), "7");
        assert_eq!(
            Coded::from(LinkType::FinishToFinish),
            Coded::Known(LinkType::FinishToFinish)
        );
    }
}
