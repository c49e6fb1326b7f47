use actix_web::{HttpResponse, post, web};

use crate::api::answer::{done_or_previewed, replayable};
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::{NotificationsQueued, NotifyRegistrationSession};
use crate::model::users::DryRunQuery;
use crate::service::{Context, registration_sessions};

/// Send a registration session again
///
/// Sends a pending session to the user again: `email` (QR code) and/or `sms` (link). With
/// `dry_run=true` every check is made and nothing is queued or audited.
#[utoipa::path(
    tag = "registration-sessions",
    params(
        ("id" = String, Path, description = "The session id"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = NotifyRegistrationSession,
    responses(
        (status = 202, description = "Queued for delivery", body = NotificationsQueued),
        (status = 200, description = "A dry run: the messages that would be queued; nothing was stored or sent", body = NotificationsQueued),
        (status = 409, description = "The session is not pending"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[post("/registration-sessions/{id}/notifications")]
pub async fn send_registration_session_notifications(
    state: web::Data<AppState>,
    ctx: Context,
    id: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<NotifyRegistrationSession>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let status = done_or_previewed(mode.dry_run, HttpResponse::Accepted());
    let queued = registration_sessions::notify(&state, &ctx, id.into_inner(), body.0, mode).await?;
    Ok(replayable(status, queued))
}
