//! pso-domain
