//! Assets embedded in the binary, served under `/assets/...` with a long cache lifetime. Pages
//! link them with `?v=<content hash>`, so a new binary never meets a stale cached copy.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const CSS: &str = include_str!("../../assets/app.css");
const APP_JS: &str = include_str!("../../assets/app.js");
/// htmx 2 (BSD-0 licence), vendored from the npm package `htmx.org`.
const HTMX: &str = include_str!("../../assets/htmx.min.js");
const FAVICON: &str = include_str!("../../assets/favicon.svg");
/// Upload progress of the MS Project import page.
const IMPORT_JS: &str = include_str!("../../assets/import.js");
/// The week grid: keyboard moves, durations, totals, findings on their cells.
const TIME_JS: &str = include_str!("../../assets/time.js");

fn find(name: &str) -> Option<(&'static str, &'static str)> {
    match name {
        "app.css" => Some(("text/css; charset=utf-8", CSS)),
        "app.js" => Some(("text/javascript; charset=utf-8", APP_JS)),
        "htmx.min.js" => Some(("text/javascript; charset=utf-8", HTMX)),
        "favicon.svg" => Some(("image/svg+xml", FAVICON)),
        "import.js" => Some(("text/javascript; charset=utf-8", IMPORT_JS)),
        "time.js" => Some(("text/javascript; charset=utf-8", TIME_JS)),
        _ => None,
    }
}

/// A short hash of all assets.
pub fn version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut h = Sha256::new();
        for part in [CSS, APP_JS, HTMX, FAVICON, IMPORT_JS, TIME_JS] {
            h.update(part.as_bytes());
        }
        hex::encode(&h.finalize()[..6])
    })
}

pub async fn asset(Path(name): Path<String>) -> Response {
    match find(&name) {
        Some((mime, body)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
