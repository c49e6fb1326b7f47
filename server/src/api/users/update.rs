use actix_web::{HttpResponse, patch, web};

use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::{DryRunQuery, UpdateUser, User};
use crate::service::{Context, users};

/// Change a user
///
/// Changes the fields present in the body; `null` clears an optional field. Send the `ETag` of the
/// version you read as `If-Match` to refuse the change (412) when someone else changed the user first.
#[utoipa::path(
    tag = "users",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "bob"),
        ("If-Match" = Option<String>, Header, description = "Only change the user if it still has this ETag"),
        DryRunQuery,
    ),
    request_body = UpdateUser,
    responses(
        (status = 200, description = "The changed user", body = User,
            headers(("ETag" = String, description = "Version tag for `If-Match`"))),
        (status = 409, description = "The new username is taken"),
        (status = 412, description = "The user changed since the `If-Match` version"),
    ),
    security(("bearer" = ["users:write"])),
)]
#[patch("/users/{user}")]
pub async fn update_user(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    let changed = users::update(
        &state.db,
        &ctx,
        state.clock.now(),
        user.into_inner(),
        body.0,
        if_match.0,
        dry_run,
    )
    .await?;
    Ok(super::with_etag(HttpResponse::Ok(), changed))
}
