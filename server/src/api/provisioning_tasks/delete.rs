use actix_web::{HttpResponse, delete, web};

use crate::api::extract::{ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_tasks};

/// Remove a provisioning task
///
/// Cancels every active entry: no pending user can self-enroll any more. The task and its history stay
/// for reports.
#[utoipa::path(
    tag = "provisioning",
    params(
        ("number" = i64, Path, description = "The task number", example = 42),
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only remove the task if it still has this ETag"),
    ),
    responses(
        (status = 204, description = "Removed (or would be, in a dry run)"),
        (status = 409, description = "The task was already removed"),
        (status = 412, description = "The task changed since the `If-Match` version"),
    ),
    security(("bearer" = ["provisioning:manage"])),
)]
#[delete("/provisioning-tasks/{number}")]
pub async fn delete_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    let number = super::parse_number(&number)?;
    provisioning_tasks::delete(&state, &ctx, number, if_match.with(query)).await?;
    Ok(HttpResponse::NoContent().finish())
}
