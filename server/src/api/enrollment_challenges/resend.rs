use actix_web::{HttpResponse, post, web};

use crate::api::answer::{done_or_previewed, replayable};
use crate::api::extract::{ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::EnrollmentChallenge;
use crate::model::users::DryRunQuery;
use crate::service::{Context, enrollment_challenges};

/// Resend an enrollment code
///
/// Sends the challenge again with a new code valid for 10 minutes; the old code stops working and
/// wrong attempts already made still count. At most once every 30 seconds, within the hourly limits.
/// A challenge locked after five wrong codes cannot be resent (422 `challenge_locked`): start a new
/// one. With `dry_run=true` every check is made and nothing changes: the old code keeps working.
#[utoipa::path(
    tag = "enrollments",
    params(
        ("id" = String, Path, description = "The enrollment challenge id"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    responses(
        (status = 202, description = "A new code is on its way", body = EnrollmentChallenge),
        (status = 200, description = "A dry run: the challenge as it would be after the resend; nothing was stored or sent", body = EnrollmentChallenge),
        (status = 409, description = "The challenge was already used"),
        (status = 422, description = "The challenge is locked after five wrong codes (`challenge_locked`); start a new one"),
        (status = 429, description = "Sent too recently or too often; see `Retry-After`"),
    ),
    security(("bearer" = ["enrollments:write"])),
)]
#[post("/enrollment-challenges/{id}/resend")]
pub async fn resend_enrollment_challenge(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let status = done_or_previewed(mode.dry_run, HttpResponse::Accepted());
    let resent = enrollment_challenges::resend(&state, &ctx, id.into_inner(), mode).await?;
    Ok(replayable(status, resent))
}
