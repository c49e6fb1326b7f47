use actix_web::{put, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::IdentityVerificationSettings;
use crate::model::users::DryRunQuery;
use crate::service::{Context, settings};

/// Change the identity verification policy
///
/// Turns enforcement on or off and sets the verification window (5–60 minutes).
#[utoipa::path(
    tag = "settings",
    params(DryRunQuery),
    request_body = IdentityVerificationSettings,
    responses((status = 200, description = "The policy now in force", body = IdentityVerificationSettings)),
    security(("bearer" = ["settings:write"])),
)]
#[put("/settings/identity-verification")]
pub async fn update_identity_verification_settings(
    state: web::Data<AppState>,
    ctx: Context,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<IdentityVerificationSettings>,
) -> ApiResult<web::Json<IdentityVerificationSettings>> {
    let dry_run = query.0.dry_run.unwrap_or(false);
    Ok(web::Json(
        settings::update_identity_verification(&state.db, &ctx, state.clock.now(), body.0, dry_run)
            .await?,
    ))
}
