use actix_web::{HttpResponse, post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::enrollments::{CodeInput, Enrollment};
use crate::service::{Context, enrollment_challenges};

/// Verify an enrollment code
///
/// Checks the code the user read back and enrolls the address; the user is told at the directory
/// email. Wrong codes count (5 lock the challenge, also across resends); a code works once.
#[utoipa::path(
    tag = "enrollments",
    params(("id" = String, Path, description = "The enrollment challenge id")),
    request_body = CodeInput,
    responses(
        (status = 201, description = "Enrolled", body = Enrollment),
        (status = 409, description = "The code was already used, or the user is already enrolled"),
    ),
    security(("bearer" = ["enrollments:write"])),
)]
#[post("/enrollment-challenges/{id}/verify")]
pub async fn verify_enrollment_challenge(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    body: ApiJson<CodeInput>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Created()
        .json(enrollment_challenges::verify(&state, &ctx, id.into_inner(), body.0.code).await?))
}
