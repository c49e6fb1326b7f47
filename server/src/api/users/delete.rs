use actix_web::{HttpResponse, delete, web};

use crate::api::extract::{ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, users};

/// Delete a user
///
/// Removes a user from the directory. Send the `ETag` you read as `If-Match` to refuse the deletion
/// (412) when the user changed in between.
#[utoipa::path(
    tag = "users",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "bob"),
        ("If-Match" = Option<String>, Header, description = "Only delete the user if it still has this ETag"),
        DryRunQuery,
    ),
    responses(
        (status = 204, description = "The user was deleted (or would be, in a dry run)"),
        (status = 412, description = "The user changed since the `If-Match` version"),
    ),
    security(("bearer" = ["users:write"])),
)]
#[delete("/users/{user}")]
pub async fn delete_user(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    users::delete(
        &state.db,
        &ctx,
        state.clock.now(),
        user.into_inner(),
        if_match.0,
        dry_run,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
