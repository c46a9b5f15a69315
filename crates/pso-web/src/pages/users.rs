//! Users and role grants (administrators only).

use super::Ctx;
use crate::error::ApiError;
use axum::response::Response;

pub async fn users(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn create_user(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn user_page(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn update_user(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn add_grant(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn remove_grant(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn toggle_disabled(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}
