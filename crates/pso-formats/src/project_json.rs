//! `pso-project/1` and `pso-schedule/1` JSON.
