use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::model::provisioning::{ResendProvisioning, TaskUsersChanged};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_edits};
use crate::state::AppState;

/// Resend self-enrollment emails
///
/// Sends the self-enrollment email again to the task's active entries (all, or the `users` named),
/// with the stop date recomputed from the self-enrollment policy. An alternate `email` is used for this
/// send only and never stored (`emailed_to` shows it masked).
#[utoipa::path(
    tag = "provisioning",
    params(("number" = i64, Path, description = "The task number", example = 42), DryRunQuery),
    request_body = ResendProvisioning,
    responses((status = 200, description = "A result per user", body = TaskUsersChanged)),
    security(("bearer" = ["provisioning:write"])),
)]
#[post("/provisioning-tasks/{number}/resend")]
pub async fn resend_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<ResendProvisioning, 32>,
) -> ApiResult<web::Json<TaskUsersChanged>> {
    let number = super::parse_number(&number)?;
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        provisioning_edits::resend(&state, &ctx, number, body.0, dry_run).await?,
    ))
}
