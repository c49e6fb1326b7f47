use actix_web::{HttpResponse, delete, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, registration_sessions};

/// Remove a registration session
///
/// Removes a pending session; its secret stops working at once. Consumed or removed sessions answer 409.
#[utoipa::path(
    tag = "registration-sessions",
    params(("id" = String, Path, description = "The session id"), DryRunQuery),
    responses(
        (status = 204, description = "Removed (or would be, in a dry run)"),
        (status = 409, description = "The session is not pending"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[delete("/registration-sessions/{id}")]
pub async fn delete_registration_session(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    registration_sessions::delete(
        &state,
        &ctx,
        id.into_inner(),
        query.0.dry_run.unwrap_or(false),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
