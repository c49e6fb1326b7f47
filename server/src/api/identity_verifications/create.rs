use actix_web::{HttpResponse, post, web};

use crate::api::answer::created;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{IdentityVerification, StartIdentityVerification};
use crate::model::users::DryRunQuery;
use crate::service::{Context, identity_verifications};

/// Send an identity verification code
///
/// Sends a 6-digit code to the user's directory email or phone (else the enrolled one). The user reads
/// it back and the agent confirms it with `confirm_identity_verification`. Codes last 10 minutes; sends
/// are rate-limited per user and per operator (429 with `Retry-After`). With `dry_run=true` every check
/// is made (the rate limits too, without spending a send) and nothing is stored, sent or audited.
#[utoipa::path(
    tag = "identity-verification",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "bob"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = StartIdentityVerification,
    responses(
        (status = 201, description = "The code is on its way", body = IdentityVerification),
        (status = 200, description = "A dry run: the verification that would start; nothing was stored or sent", body = IdentityVerification),
        (status = 409, description = "The user is disabled"),
        (status = 429, description = "Too many codes sent; see `Retry-After`"),
    ),
    security(("bearer" = ["identity:verify"])),
)]
#[post("/users/{user}/identity-verifications")]
pub async fn create_identity_verification(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<StartIdentityVerification>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let started =
        identity_verifications::create(&state, &ctx, user.into_inner(), body.0, mode).await?;
    Ok(created(started, dry_run))
}
