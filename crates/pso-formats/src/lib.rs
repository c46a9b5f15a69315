//! `pso-formats`: readers and writers for the files PSO exchanges.
//!
//! - [`psplib`]: PSPLIB single-mode `.sm` instances (RCPSP benchmark).
//! - [`project_json`]: `pso-project/1` in, `pso-schedule/1` out (see `shared/formats/pso-project.md`).
//! - [`mspdi`]: MS Project XML (MSPDI).

pub mod mspdi;
pub mod project_json;
pub mod psplib;
