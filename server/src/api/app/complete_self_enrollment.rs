use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{CompleteSelfEnrollment, SelfEnrollmentCompleted};
use crate::service::public_limits::Origin;
use crate::service::self_enrollment;

/// Complete token self-enrollment
///
/// Proves the new token with one code from the authenticator app. The entry becomes `completed`, a
/// `software-token` enrollment with the serial is created, and the user is told by email. Wrong codes
/// count toward the policy's attempts (`invalid_otp`, then the link locks); wrong, canceled, expired
/// and locked links get the same 422.
///
/// No `dry_run`: a preview that checked the code without counting the attempt would let anyone holding
/// the link test codes without limit; one that counted it would not be a dry run.
#[utoipa::path(
    tag = "app",
    request_body = CompleteSelfEnrollment,
    responses(
        (status = 201, description = "Enrolled", body = SelfEnrollmentCompleted),
        (status = 409, description = "The user is already enrolled in software-token"),
        (status = 422, description = "The code is wrong, or the link does not work"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After` (a genuine secret is never refused)"),
    ),
)]
#[post("/self-enrollment/complete")]
pub async fn complete_self_enrollment(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<CompleteSelfEnrollment>,
) -> ApiResult<HttpResponse> {
    let origin = Origin {
        request_id: request.request_id,
        operation_id: request.operation_id,
        source: request.source,
    };
    let input = body.0;
    Ok(HttpResponse::Created()
        .json(self_enrollment::complete(&state, origin, input.secret, input.otp).await?))
}
