use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{RemoveTaskUsers, TaskUsersChanged};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_tasks};

/// Remove users from a provisioning task
///
/// Cancels the users' active entries, irreversibly: their links stop working. With `notify=true` each
/// user is told by email that the enrollment was canceled. Users are changed in groups of 500, each
/// group in one transaction with its emails and audit rows; if a group cannot be stored (for example
/// the database is busy), the groups before it stay changed, and the users of that group and the later
/// ones are reported as `error` with the reason.
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
        provisioning_tasks::remove_users(&state, &ctx, number, body.0, dry_run).await?,
    ))
}
