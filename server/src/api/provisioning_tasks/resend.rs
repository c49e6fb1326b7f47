use actix_web::{HttpResponse, post, web};

use crate::api::answer::replayable;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{ResendProvisioning, TaskUsersChanged};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_tasks};

/// Resend self-enrollment emails
///
/// Sends the self-enrollment email again to the task's active entries (all, or the `users` named),
/// with the stop date recomputed from the self-enrollment policy. An alternate `email` is used for this
/// send only and never stored (`emailed_to` shows it masked). Users are changed in groups of 500, each
/// group in one transaction with its emails and audit rows; if a group cannot be stored (for example
/// the database is busy), the groups before it stay changed, and the users of that group and the later
/// ones are reported as `error` with the reason.
#[utoipa::path(
    tag = "provisioning",
    params(
        ("number" = i64, Path, description = "The task number", example = 42),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = ResendProvisioning,
    responses((status = 200, description = "A result per user", body = TaskUsersChanged)),
    security(("bearer" = ["provisioning:write"])),
)]
#[post("/provisioning-tasks/{number}/resend")]
pub async fn resend_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<ResendProvisioning, 32>,
) -> ApiResult<HttpResponse> {
    let number = super::parse_number(&number)?;
    let resent = provisioning_tasks::resend(&state, &ctx, number, body.0, key.with(query)).await?;
    Ok(replayable(HttpResponse::Ok(), resent))
}
