use actix_web::{HttpResponse, post, web};

use crate::api::extract::{ApiJson, PublicRequest};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::{AppRegistration, AppRegistrationResult};
use crate::service::app_registrations;
use crate::service::public_limits::Origin;

/// Register the mobile app
///
/// Called by the app (no operator token) with the secret from the registration link or QR code. The
/// session is used up (of any number of simultaneous attempts exactly one succeeds) and a `mobile-app`
/// enrollment is created with the device name, platform and key fingerprint; the user is told by
/// email. A wrong, used, removed or expired secret always gets the same 422
/// (`invalid_registration_secret`). After 10 secrets that are not genuine from one client address in
/// 15 minutes, further ones are answered 429; a genuine secret is never refused because of others.
///
/// No `dry_run`: a preview would tell whether a secret is genuine without using it up, which turns
/// a single-use link into a reusable oracle, and the app has nothing to decide before registering.
#[utoipa::path(
    tag = "app",
    request_body = AppRegistration,
    responses(
        (status = 201, description = "Registered", body = AppRegistrationResult),
        (status = 422, description = "The secret does not work, or a field is invalid"),
        (status = 429, description = "Too many secrets that are not genuine from this client address; see `Retry-After` (a genuine secret is never refused)"),
    ),
)]
#[post("/app/registrations")]
pub async fn register_app(
    state: web::Data<AppState>,
    request: PublicRequest,
    body: ApiJson<AppRegistration>,
) -> ApiResult<HttpResponse> {
    let origin = Origin {
        request_id: request.request_id,
        operation_id: request.operation_id,
        source: request.source,
    };
    Ok(HttpResponse::Created().json(app_registrations::register(&state, origin, body.0).await?))
}
