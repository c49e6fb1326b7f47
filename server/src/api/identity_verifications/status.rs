use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::IdentityVerificationStatus;
use crate::service::{Context, identity_verifications};

/// Get identity verification status
///
/// Tells whether the calling operator has verified the user and until when the window is open.
#[utoipa::path(
    tag = "identity-verification",
    params(("user" = String, Path, description = "The user's id or username", example = "bob")),
    responses((status = 200, description = "The operator's verification of the user", body = IdentityVerificationStatus)),
    security(("bearer" = ["identity:verify"])),
)]
#[get("/users/{user}/identity-verification")]
pub async fn get_identity_verification_status(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
) -> ApiResult<web::Json<IdentityVerificationStatus>> {
    Ok(web::Json(
        identity_verifications::status(&state.db, &ctx, state.clock.now(), user.into_inner())
            .await?,
    ))
}
