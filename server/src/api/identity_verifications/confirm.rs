use actix_web::{post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{CodeInput, IdentityVerification};
use crate::service::{Context, identity_verifications};

/// Confirm an identity verification
///
/// Checks the code the user read back. On success a verification window opens (15 minutes by
/// default) in which this operator, and only this operator, may change this user's enrollments.
/// Wrong codes count: after 5 the verification locks (`challenge_locked`). A code works once.
#[utoipa::path(
    tag = "identity-verification",
    params(("id" = String, Path, description = "The identity verification id")),
    request_body = CodeInput,
    responses(
        (status = 200, description = "Verified; see `verified_until`", body = IdentityVerification),
        (status = 409, description = "The code was already used"),
    ),
    security(("bearer" = ["identity:verify"])),
)]
#[post("/identity-verifications/{id}/confirm")]
pub async fn confirm_identity_verification(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    body: ApiJson<CodeInput>,
) -> ApiResult<web::Json<IdentityVerification>> {
    Ok(web::Json(
        identity_verifications::confirm(&state, &ctx, id.into_inner(), body.0.code).await?,
    ))
}
