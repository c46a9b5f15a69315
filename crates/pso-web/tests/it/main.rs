//! pso-web's integration tests, in one test binary (one link of the whole server instead of one
//! per file). Every test starts the real server on a fresh database and talks HTTP to it; the
//! `both!` macro of [`common`] runs one body on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod common;
mod webdriver;

mod api;
mod browser;
mod browser_import;
mod browser_time;
mod grants;
mod interchange;
mod jobs;
mod large_plans;
mod matrix;
mod schedule;
mod security;
mod time;
mod time_pages;
mod timesheets;
mod wbs;
mod writes;
