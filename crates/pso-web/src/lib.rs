//! pso-web
