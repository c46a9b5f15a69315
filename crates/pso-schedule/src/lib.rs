//! `pso-schedule`: the scheduling engine — calendars, critical path, resource leveling.
//!
//! Pure functions over plain data: no I/O, no async, no database types, and the same
//! output for the same input and seed (no hash-map order reaches a result; the random
//! search uses its own seeded generator). Every search runs under a budget.
//!
//! - [`calendar`]: minute-resolution working-time calendars with an `O(log n)` index.
//! - [`schedule`] over an [`Input`] (tasks, WBS groups, dependencies, constraints,
//!   resources, projects of a portfolio): critical path, leveling, float, explanations.
//! - [`rcpsp`]: the classical RCPSP (PSPLIB) solved by schedule generation, justification
//!   and a genetic algorithm — the benchmark for the leveling heuristics.
//!
//! Times are integer minutes of local calendar time; see [`calendar`] for the time model.

pub mod calendar;
mod engine;
mod model;
pub mod rcpsp;
pub mod rng;

pub use engine::schedule;
pub use model::{
    Conflict, Constraint, DepKind, Dependency, Input, Options, Progress, Project, Resource,
    Schedule, ScheduleError, Task, TaskSchedule, Why, Work,
};
