//! `pso-schedule`: the scheduling engine (calendars, critical path, resource leveling).
//!
//! Pure functions over plain data: no I/O, no async, no database types.

pub mod rcpsp;
pub mod rng;
pub mod calendar;
