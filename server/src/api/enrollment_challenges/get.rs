use actix_web::{get, web};

use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::EnrollmentChallenge;
use crate::service::{Context, enrollment_challenges};

/// Get an enrollment challenge
///
/// Shows the state of a challenge this operator started: pending, verified, expired or locked, and the
/// attempts left.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = String, Path, description = "The enrollment challenge id")),
    responses((status = 200, description = "The challenge", body = EnrollmentChallenge)),
    security(("bearer" = ["enrollments:read"])),
)]
#[get("/enrollment-challenges/{id}")]
pub async fn get_enrollment_challenge(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
) -> ApiResult<web::Json<EnrollmentChallenge>> {
    Ok(web::Json(
        enrollment_challenges::get(&state, &ctx, id.into_inner()).await?,
    ))
}
