//! Interchange in the product: MS Project XML (MSPDI) import with its report, and export.

use crate::AppState;
use axum::Router;

/// API routes of interchange (merged into the protected router).
pub fn api_router() -> Router<AppState> {
    Router::new()
}

/// Page routes of interchange.
pub fn page_router() -> Router<AppState> {
    Router::new()
}
