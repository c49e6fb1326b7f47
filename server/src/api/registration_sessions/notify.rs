use actix_web::{HttpResponse, post, web};

use crate::api::extract::ApiJson;
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::{NotificationsQueued, NotifyRegistrationSession};
use crate::service::{Context, registration_sessions};

/// Send a registration session again
///
/// Sends a pending session to the user again: `email` (QR code) and/or `sms` (link).
#[utoipa::path(
    tag = "registration-sessions",
    params(("id" = String, Path, description = "The session id")),
    request_body = NotifyRegistrationSession,
    responses(
        (status = 202, description = "Queued for delivery", body = NotificationsQueued),
        (status = 409, description = "The session is not pending"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[post("/registration-sessions/{id}/notifications")]
pub async fn send_registration_session_notifications(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    body: ApiJson<NotifyRegistrationSession>,
) -> ApiResult<HttpResponse> {
    let queued =
        registration_sessions::notify(&state, &ctx, id.into_inner(), body.0.channels).await?;
    Ok(HttpResponse::Accepted().json(queued))
}
