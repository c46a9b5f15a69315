//! The plain data that goes into [`crate::schedule`] and comes out of it.

use crate::calendar::{Calendar, Minute};

/// Everything to schedule: one project, or a portfolio of projects sharing resources.
#[derive(Debug, Clone)]
pub struct Input {
    /// No task starts before this minute.
    pub start: Minute,
    /// Calendars, referred to by index.
    pub calendars: Vec<Calendar>,
    /// The default calendar: for tasks and resources without their own, for lags, and
    /// for measuring float.
    pub calendar: usize,
    /// Projects of a portfolio (may be empty: every task is then in one implicit project).
    pub projects: Vec<Project>,
    /// Renewable resources.
    pub resources: Vec<Resource>,
    /// Tasks and WBS groups, in any order.
    pub tasks: Vec<Task>,
    /// The status date: work not done yet is scheduled no earlier than this (see
    /// [`Progress`]). `None`: no status date, every task is scheduled as planned.
    pub status_date: Option<Minute>,
}

/// One project of a portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Identifier (for messages).
    pub id: String,
    /// 1..=1000; a higher-priority project gets shared resources first.
    pub priority: u32,
    /// Its tasks start no earlier than this (besides [`Input::start`]).
    pub start: Option<Minute>,
}

/// A renewable resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Identifier, as tasks name it.
    pub id: String,
    /// How many units exist at once; each assignment uses one.
    pub units: u32,
    /// Its calendar (with its vacations); the default calendar when `None`.
    pub calendar: Option<usize>,
}

/// How much work a leaf task carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Effort in working minutes, shared by the assigned resources (MS Project's
    /// effort-driven rule: `k` resources need `effort / k` working minutes together).
    Effort(Minute),
    /// Fixed duration in working minutes of the task's calendar.
    Duration(Minute),
    /// No length.
    Milestone,
}

/// Dependency type: which end of the predecessor constrains which end of the successor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DepKind {
    /// Finish-to-start.
    FS,
    /// Start-to-start.
    SS,
    /// Finish-to-finish.
    FF,
    /// Start-to-finish.
    SF,
}

/// "This task depends on `task`".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The predecessor's id (a leaf or a group).
    pub task: String,
    /// Type.
    pub kind: DepKind,
    /// Lag in working minutes of the default calendar; negative is a lead.
    pub lag: Minute,
}

/// Date constraint of a task (times are minutes, see [`crate::calendar`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Constraint {
    /// As soon as possible.
    #[default]
    Asap,
    /// As late as possible without delaying a successor or the finish. Applied to tasks
    /// without resources; a task that uses resources keeps the date leveling gave it.
    Alap,
    /// Start no earlier than.
    Snet(Minute),
    /// Start no later than.
    Snlt(Minute),
    /// Finish no earlier than.
    Fnet(Minute),
    /// Finish no later than.
    Fnlt(Minute),
    /// Must start on.
    Mso(Minute),
    /// Must finish on.
    Mfo(Minute),
}

/// A task, or a WBS group when another task names it as parent.
#[derive(Debug, Clone)]
pub struct Task {
    /// Unique identifier.
    pub id: String,
    /// The group this task belongs to.
    pub parent: Option<String>,
    /// Index into [`Input::projects`] (ignored when there are none).
    pub project: usize,
    /// Work of a leaf (ignored for groups).
    pub work: Work,
    /// Resources assigned (one unit each).
    pub resources: Vec<String>,
    /// Predecessors.
    pub depends: Vec<Dependency>,
    /// Date constraint.
    pub constraint: Constraint,
    /// 1..=1000, default 500; higher gets resources first.
    pub priority: u32,
    /// Own calendar (intersected with its resources' calendars).
    pub calendar: Option<usize>,
    /// What is done: `None` for a task not started (ignored for groups, which span
    /// their children).
    pub progress: Option<Progress>,
}

/// The progress of a started task (actuals, as a tracking Gantt records them).
///
/// - **Finished** (`actual_finish` set): the task keeps its actual start and finish; it
///   does not move for its predecessors or constraints, and it holds its resources from
///   its actual start to its actual finish only. It is never critical.
/// - **In progress**: the task keeps its actual start. The work done lies from the actual
///   start on (in the task's calendar); the remaining work is scheduled like a task of
///   that length from the status date (without a status date: right after the work
///   done), after its predecessors (every dependency bounds the remaining part) and its
///   finish constraints, with its resources leveled as usual. Its finish is where the
///   remaining work ends; a gap between the work done and the remaining work shows as
///   [`TaskSchedule::segments`], and [`TaskSchedule::remaining_start`] marks the
///   remaining part. Its float is the remaining part's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// When work began.
    pub actual_start: Minute,
    /// When it ended; set means done (`remaining` is then ignored).
    pub actual_finish: Option<Minute>,
    /// Work left in the task's own units: working minutes of duration for
    /// [`Work::Duration`], effort minutes for [`Work::Effort`] (shared by its resources
    /// like the whole effort).
    pub remaining: Minute,
}

impl Task {
    /// A leaf with defaults: no parent, no resources, ASAP, priority 500, not started.
    pub fn new(id: impl Into<String>, work: Work) -> Self {
        Task {
            id: id.into(),
            parent: None,
            project: 0,
            work,
            resources: Vec::new(),
            depends: Vec::new(),
            constraint: Constraint::Asap,
            priority: 500,
            calendar: None,
            progress: None,
        }
    }
}

/// How to schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Level resources (when false: the critical-path schedule, resources ignored).
    pub level: bool,
    /// Effort tasks may be interrupted and resumed.
    pub allow_splits: bool,
    /// Upper bound on generated schedules while leveling (at least one).
    pub schedules: u32,
    /// Seed for the sampled schedules.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            level: true,
            allow_splits: false,
            schedules: 16,
            seed: 1,
        }
    }
}

/// Why a task starts when it does (a task in progress: why its remaining work starts
/// then; a finished task: [`Why::Constraint`], its actual dates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// At the project (or portfolio) start; for work not done, at the status date (a
    /// task in progress without a status date: right after its work done).
    ProjectStart,
    /// After a predecessor: `task` (index into [`Input::tasks`]) through a dependency
    /// of this task or, when `group` is set, of that enclosing group.
    Dependency {
        /// The predecessor task or group.
        task: usize,
        /// Type.
        kind: DepKind,
        /// Lag in working minutes.
        lag: Minute,
        /// The group whose dependency it is, when inherited.
        group: Option<usize>,
    },
    /// Its date constraint (or, finished, its actual dates).
    Constraint,
    /// A resource was busy until then with another task.
    Resource {
        /// Index into [`Input::resources`].
        resource: usize,
        /// The task that held it last (index into [`Input::tasks`]).
        task: Option<usize>,
    },
    /// A group spans its children.
    Group,
}

/// The schedule of one task or group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskSchedule {
    /// First working minute (milestones: their instant).
    pub start: Minute,
    /// End of the last working minute.
    pub finish: Minute,
    /// When split: the working segments `[start, finish)`; empty otherwise.
    pub segments: Vec<(Minute, Minute)>,
    /// Total float in working minutes of the default calendar.
    pub total_float: Minute,
    /// Free float in working minutes of the default calendar.
    pub free_float: Minute,
    /// On the critical path (no total float).
    pub critical: bool,
    /// True for a WBS group.
    pub group: bool,
    /// Why it starts then.
    pub why: Why,
    /// Minutes between the binding reason and the start that the calendar added
    /// (the reason fell in non-working time).
    pub calendar_wait: Minute,
    /// A task in progress: where its remaining work starts (`why` and `calendar_wait`
    /// then explain this instant, not the actual start). `None` otherwise.
    pub remaining_start: Option<Minute>,
}

/// A problem the schedule could not avoid; the schedule is still complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// A "no later than" or "must" constraint could not be met.
    ConstraintMissed {
        /// Task index.
        task: usize,
        /// The constraint.
        constraint: Constraint,
    },
    /// A resource with no units: the task was scheduled without it.
    NoUnits {
        /// Task index.
        task: usize,
        /// Resource index.
        resource: usize,
    },
}

/// The result of [`crate::schedule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// One entry per input task, same order.
    pub tasks: Vec<TaskSchedule>,
    /// Latest finish of any task.
    pub finish: Minute,
    /// Conflicts the schedule carries.
    pub conflicts: Vec<Conflict>,
    /// How many schedules were generated.
    pub schedules: u32,
}

/// Input that cannot be scheduled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Two tasks or two resources share an id.
    #[error("duplicate id {0:?}")]
    DuplicateId(String),
    /// A reference to a task that does not exist.
    #[error("task {task:?} refers to unknown task {missing:?}")]
    UnknownTask {
        /// The referring task.
        task: String,
        /// The missing id.
        missing: String,
    },
    /// A reference to a resource that does not exist.
    #[error("task {task:?} uses unknown resource {missing:?}")]
    UnknownResource {
        /// The referring task.
        task: String,
        /// The missing id.
        missing: String,
    },
    /// A calendar or project index out of range.
    #[error("{0} refers to a calendar or project that does not exist")]
    BadIndex(String),
    /// Parents form a loop.
    #[error("the WBS has a loop through {0:?}")]
    ParentCycle(Vec<String>),
    /// Dependencies form a cycle; the tasks on it, in order.
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A task needs working time its calendars (and its resources') never give.
    #[error("task {0:?} can never be worked: its calendar and its resources' calendars run out of working time")]
    NeverWorks(String),
}
