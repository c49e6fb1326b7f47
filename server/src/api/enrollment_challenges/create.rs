use actix_web::{HttpResponse, post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{EnrollmentChallenge, StartEnrollmentChallenge};
use crate::service::{Context, enrollment_challenges};

/// Send an enrollment code
///
/// Starts enrolling a personal email address or a mobile number: a 6-digit code goes to that address,
/// the user reads it back, and `verify_enrollment_challenge` enrolls it. Only services that are on,
/// configured and open to agents are offered; the user must be verified first while verification is
/// enforced (`identity_not_verified`).
#[utoipa::path(
    tag = "enrollments",
    params(("user" = String, Path, description = "The user's id or username", example = "bob")),
    request_body = StartEnrollmentChallenge,
    responses(
        (status = 201, description = "The code is on its way", body = EnrollmentChallenge),
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
    body: ApiJson<StartEnrollmentChallenge>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(enrollment_challenges::create(&state, &ctx, user.into_inner(), body.0).await?))
}
