//! The operations live in `pso-app`; the web layer re-exports what its handlers use.

pub use pso_app::service::{check_version, parse_input, patched, Paging, Svc};
