use actix_web::{HttpResponse, post, web};

use crate::api::answer::created;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{EnrollmentChallenge, StartEnrollmentChallenge};
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollment_challenges};

/// Send an enrollment code
///
/// Starts enrolling a personal email address or a mobile number: a 6-digit code goes to that address,
/// the user reads it back, and `verify_enrollment_challenge` enrolls it. Only services that are on,
/// configured and open to agents are offered; the user must be verified first while verification is
/// enforced (`identity_not_verified`). With `dry_run=true` every check is made (the rate limits too,
/// without spending a send) and nothing is stored, sent or audited.
#[utoipa::path(
    tag = "enrollments",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "bob"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = StartEnrollmentChallenge,
    responses(
        (status = 201, description = "The code is on its way", body = EnrollmentChallenge),
        (status = 200, description = "A dry run: the challenge that would start; nothing was stored or sent", body = EnrollmentChallenge),
        (status = 409, description = "Already enrolled, user disabled, or identity not verified"),
        (status = 429, description = "Too many codes sent; see `Retry-After`"),
    ),
    security(("bearer" = ["enrollments:write"])),
)]
#[post("/users/{user}/enrollment-challenges")]
pub async fn create_enrollment_challenge(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<StartEnrollmentChallenge>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let started =
        enrollment_challenges::create(&state, &ctx, user.into_inner(), body.0, mode).await?;
    Ok(created(started, dry_run))
}
