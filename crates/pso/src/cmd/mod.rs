//! Subcommands of the `pso` binary; each file holds one family.

pub mod config;
pub mod interchange;
pub mod mspdi;
pub mod schedule;
pub mod server;
pub mod users;

/// An operation's error as one line for the terminal: the detail, or each field's message.
pub fn describe(e: &pso_app::AppError) -> String {
    if e.errors.is_empty() {
        e.detail.clone()
    } else {
        e.errors
            .iter()
            .map(|f| {
                if f.field.is_empty() {
                    f.message.clone()
                } else {
                    format!("{}: {}", f.field, f.message)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
