use actix_web::{HttpResponse, post, web};

use crate::api::answer::created;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{CreateProvisioningTask, ProvisioningTaskCreated};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_tasks};

/// Create a provisioning task
///
/// Provisions software tokens to users (up to 50,000 in one request): one task with a sequential
/// number, one entry per user, and one self-enrollment email per user through the outbox. Users are
/// provisioned in groups of 500, each group in one transaction with its entries, emails and audit
/// rows, so other writes are not held up; if a group cannot be stored (for example the database is
/// busy), the task keeps the groups before it, and the users of that group and the later ones are
/// reported as `error` with the reason, to be listed in a new task. Unknown or disabled users, users without an email address, users already enrolled and
/// users with an outstanding entry of the same token type are reported per item and do not sink the
/// rest. The stop date defaults to today plus the self-enrollment policy's validity. Send an
/// `Idempotency-Key` header to make retries safe: a retried request answers with the first response
/// (`Idempotent-Replayed: true`); the same key with another body is refused with 422.
#[utoipa::path(
    tag = "provisioning",
    params(
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreateProvisioningTask,
    responses(
        (status = 201, description = "The task, with a result per user", body = ProvisioningTaskCreated),
        (status = 200, description = "A dry run: the task that would be created, with a result per user; nothing was stored", body = ProvisioningTaskCreated),
        (status = 409, description = "A request with this Idempotency-Key is still running, or every user already has an active entry for the token type (`entry_exists`)"),
    ),
    security(("bearer" = ["provisioning:write"])),
)]
#[post("/provisioning-tasks")]
pub async fn create_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreateProvisioningTask, 32>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let answer = provisioning_tasks::create(&state, &ctx, body.0, mode).await?;
    Ok(created(answer, dry_run))
}
