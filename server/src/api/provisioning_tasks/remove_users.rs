use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::model::provisioning::{RemoveTaskUsers, TaskUsersChanged};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_edits};
use crate::state::AppState;

/// Remove users from a provisioning task
///
/// Cancels the users' active entries, irreversibly: their links stop working. With `notify=true` each
/// user is told by email that the enrollment was canceled.
#[utoipa::path(
    tag = "provisioning",
    params(("number" = i64, Path, description = "The task number", example = 42), DryRunQuery),
    request_body = RemoveTaskUsers,
    responses((status = 200, description = "A result per user", body = TaskUsersChanged)),
    security(("bearer" = ["provisioning:manage"])),
)]
#[post("/provisioning-tasks/{number}/remove-users")]
pub async fn remove_provisioning_task_users(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<RemoveTaskUsers, 32>,
) -> ApiResult<web::Json<TaskUsersChanged>> {
    let number = super::parse_number(&number)?;
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        provisioning_edits::remove_users(&state, &ctx, number, body.0, dry_run).await?,
    ))
}
