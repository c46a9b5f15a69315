//! pso-store
