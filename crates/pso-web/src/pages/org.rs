//! People, sites and business units.

use super::Ctx;
use crate::error::ApiError;
use axum::response::Response;

pub async fn people(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn create_person(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn person_page(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn update_person(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn delete_person(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn sites(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn create_site(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn site_page(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn update_site(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn delete_site(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn units(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn create_unit(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn unit_page(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn update_unit(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}

pub async fn delete_unit(ctx: Ctx) -> Response {
    ctx.error(ApiError::not_found())
}
