use actix_web::{post, web};

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{CodeInput, IdentityVerification};
use crate::model::users::DryRunQuery;
use crate::service::mutation::Effect;
use crate::service::{Context, identity_verifications};

/// Confirm an identity verification
///
/// Checks the code the user read back. On success a verification window opens (15 minutes by
/// default) in which this operator, and only this operator, may change this user's enrollments.
/// Wrong codes count: after 5 the verification locks (`challenge_locked`). A code works once. With
/// `dry_run=true` everything but the code is checked (the verification is this operator's and still
/// open, the user is active, the code has 6 digits) and nothing changes: the code itself is never
/// compared in a dry run, so a dry run spends no attempt and cannot be used to test codes.
#[utoipa::path(
    tag = "identity-verification",
    params(("id" = String, Path, description = "The identity verification id"), DryRunQuery),
    request_body = CodeInput,
    responses(
        (status = 200, description = "Verified; see `verified_until` (a dry run: the window that would open)", body = IdentityVerification),
        (status = 409, description = "The code was already used"),
    ),
    security(("bearer" = ["identity:verify"])),
)]
#[post("/identity-verifications/{id}/confirm")]
pub async fn confirm_identity_verification(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CodeInput>,
) -> ApiResult<web::Json<IdentityVerification>> {
    let effect = Effect::of(query.0.dry_run.unwrap_or(false));
    let confirmed =
        identity_verifications::confirm(&state, &ctx, id.into_inner(), body.0.code, effect).await?;
    Ok(web::Json(confirmed))
}
