use actix_web::{HttpResponse, delete, web};

use crate::api::extract::{ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, registration_sessions};

/// Remove a registration session
///
/// Removes a pending session; its secret stops working at once. Consumed or removed sessions answer 409.
#[utoipa::path(
    tag = "registration-sessions",
    params(
        ("id" = String, Path, description = "The session id"),
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only remove the session if it still has this ETag"),
    ),
    responses(
        (status = 204, description = "Removed (or would be, in a dry run)"),
        (status = 409, description = "The session is not pending"),
        (status = 412, description = "The session changed since the `If-Match` version"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[delete("/registration-sessions/{id}")]
pub async fn delete_registration_session(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    registration_sessions::delete(&state, &ctx, id.into_inner(), if_match.with(query)).await?;
    Ok(HttpResponse::NoContent().finish())
}
