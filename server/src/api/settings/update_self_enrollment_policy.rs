use actix_web::{put, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::SelfEnrollmentPolicy;
use crate::model::users::DryRunQuery;
use crate::service::{Context, settings};

/// Change the self-enrollment policy
///
/// Sets `validity_days` (1–365) and `max_attempts` (1–20) for new tasks and resends.
#[utoipa::path(
    tag = "settings",
    params(DryRunQuery),
    request_body = SelfEnrollmentPolicy,
    responses((status = 200, description = "The policy now in force", body = SelfEnrollmentPolicy)),
    security(("bearer" = ["settings:write"])),
)]
#[put("/settings/self-enrollment-policy")]
pub async fn update_self_enrollment_policy(
    state: web::Data<AppState>,
    ctx: Context,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<SelfEnrollmentPolicy>,
) -> ApiResult<web::Json<SelfEnrollmentPolicy>> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        settings::update_self_enrollment_policy(
            &state.db,
            &ctx,
            state.clock.now(),
            body.0,
            dry_run,
        )
        .await?,
    ))
}
