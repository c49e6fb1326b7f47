use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::UserProvisioningList;
use crate::service::{Context, provisioning_tasks};

/// List a user's provisioning entries
///
/// The user's outstanding entries: task number, requester, where the email went, start and stop
/// dates, state and token type. `task_href` links to the task only for callers with
/// `provisioning:manage`.
#[utoipa::path(
    tag = "provisioning",
    params(("user" = String, Path, description = "The user's id or username", example = "bob")),
    responses((status = 200, description = "The user's outstanding entries", body = UserProvisioningList)),
    security(("bearer" = ["provisioning:read"])),
)]
#[get("/users/{user}/provisioning-tasks")]
pub async fn list_user_provisioning_tasks(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
) -> ApiResult<web::Json<UserProvisioningList>> {
    Ok(web::Json(
        provisioning_tasks::list_for_user(&state, &ctx, user.into_inner()).await?,
    ))
}
