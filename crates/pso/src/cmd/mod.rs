//! Subcommands of the `pso` binary; each file holds one family.

pub mod interchange;
pub mod mspdi;
pub mod schedule;
pub mod server;
pub mod users;
