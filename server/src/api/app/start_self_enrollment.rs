use actix_web::{post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::provisioning::{SelfEnrollmentToken, StartSelfEnrollment};
use crate::service::public_limits::Origin;
use crate::service::self_enrollment;

/// Start token self-enrollment
///
/// Called from the self-enrollment page (no operator token) with the secret from the emailed link.
/// Answers with a fresh TOTP key (RFC 6238: SHA-1, 6 digits, 30 seconds) as an `otpauth://` URI and
/// as an SVG QR code to scan with an authenticator app, and the token serial. Starting again replaces
/// the key. Wrong, canceled, expired and locked links get the same 422.
///
/// No `dry_run`: its answer is a new key, and a key that is not stored could not be proved with
/// `complete_self_enrollment`; a preview would also tell whether a link is genuine without any effect.
#[utoipa::path(
    tag = "app",
    request_body = StartSelfEnrollment,
    responses(
        (status = 200, description = "A fresh token to add to the app", body = SelfEnrollmentToken),
        (status = 422, description = "The link does not work"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After` (a genuine secret is never refused)"),
    ),
)]
#[post("/self-enrollment/start")]
pub async fn start_self_enrollment(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<StartSelfEnrollment>,
) -> ApiResult<web::Json<SelfEnrollmentToken>> {
    let origin = Origin {
        request_id: request.request_id,
        operation_id: request.operation_id,
        source: request.source,
    };
    Ok(web::Json(
        self_enrollment::start(&state, origin, body.0.secret).await?,
    ))
}
