use actix_web::{patch, web};

use crate::api::extract::{ApiJson, ApiQuery};
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
    params(("number" = i64, Path, description = "The task number", example = 42), DryRunQuery),
    request_body = UpdateProvisioningTask,
    responses((status = 200, description = "The task", body = ProvisioningTask)),
    security(("bearer" = ["provisioning:manage"])),
)]
#[patch("/provisioning-tasks/{number}")]
pub async fn update_provisioning_task(
    state: web::Data<AppState>,
    ctx: Context,
    number: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<UpdateProvisioningTask>,
) -> ApiResult<web::Json<ProvisioningTask>> {
    let number = super::parse_number(&number)?;
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        provisioning_tasks::update(&state, &ctx, number, body.0.stop_date, dry_run).await?,
    ))
}
