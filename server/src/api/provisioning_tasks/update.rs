use actix_web::{HttpResponse, patch, web};

use crate::api::answer::tagged;
use crate::api::extract::{ApiJson, ApiQuery, IfMatch};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{ProvisioningTask, UpdateProvisioningTask};
use crate::model::users::DryRunQuery;
use crate::service::{Context, provisioning_tasks};

/// Change a provisioning task's stop date
///
/// Extends or shortens the self-enrollment period of the task's active entries. A date in the past is
/// refused.
#[utoipa::path(
    tag = "provisioning",
    params(
        ("number" = i64, Path, description = "The task number", example = 42),
        DryRunQuery,
        ("If-Match" = Option<String>, Header, description = "Only change the task if it still has this ETag"),
    ),
    request_body = UpdateProvisioningTask,
    responses(
        (status = 200, description = "The task (a dry run: the task as it would be)", body = ProvisioningTask,
            headers(("ETag" = String, description = "Version tag of the task for `If-Match`"))),
        (status = 412, description = "The task changed since the `If-Match` version"),
    ),
    security(("bearer" = ["provisioning:manage"])),
)]
#[patch("/provisioning-tasks/{number}")]
pub async fn update_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    if_match: IfMatch,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateProvisioningTask>,
) -> ApiResult<HttpResponse> {
    let number = super::parse_number(&number)?;
    let mode = if_match.with(query);
    let task = provisioning_tasks::update(&state, &ctx, number, body.0.stop_date, mode).await?;
    Ok(tagged(HttpResponse::Ok(), &task))
}
