use actix_web::{get, web};

use crate::api::extract::ApiQuery;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{ListProvisioningTasksQuery, ProvisioningTaskPage};
use crate::service::{Context, provisioning_tasks};

/// List provisioning tasks
///
/// Open tasks, newest first, with their entries counted by state. A task whose entries are all
/// completed, locked, expired or canceled is `completed` and hidden unless `include_completed=true`
/// (or `status=completed`); completed tasks stay for reports. Filter by `operator` and start dates.
#[utoipa::path(
    tag = "provisioning",
    params(ListProvisioningTasksQuery),
    responses((status = 200, description = "A page of tasks", body = ProvisioningTaskPage)),
    security(("bearer" = ["provisioning:read"])),
)]
#[get("/provisioning-tasks")]
pub async fn list_provisioning_tasks(
    state: web::Data<AppState>,
    _ctx: Context,
    query: ApiQuery<ListProvisioningTasksQuery>,
) -> ApiResult<web::Json<ProvisioningTaskPage>> {
    Ok(web::Json(provisioning_tasks::list(&state, query.0).await?))
}
