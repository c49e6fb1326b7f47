use actix_web::{HttpResponse, post, web};

use crate::api::answer::created;
use crate::api::extract::{ApiJson, ApiQuery, IdempotencyKey};
use crate::api::problem::ApiResult;
use crate::api::state::AppState;
use crate::model::registration_sessions::{CreateRegistrationSession, RegistrationSession};
use crate::model::users::DryRunQuery;
use crate::service::{Context, registration_sessions};

/// Create a registration session
///
/// Creates a short-lived, single-use secret that lets the user register the mobile app, and answers
/// with its `enroll_url` (the secret is in the URL fragment, so it stays out of server logs). With
/// `notify` it is sent at once: `email` sends a QR code to the directory email, `sms` the link to the
/// directory phone. Lifetime: 24 hours unless `hours_to_live` says otherwise, kept within 10 minutes
/// and 7 days (`ttl_clamped` tells). Refused (409) when the user is already enrolled in `mobile-app`, or
/// already has a pending session (unless `force`, which removes it), or is disabled. While identity
/// verification is enforced, `enroll_url` is in the answer only for an operator who verified the user's
/// identity in the current window (`enroll_url_withheld` says so otherwise); `notify` needs no
/// verification, because it goes to the user's own directory address. With `dry_run=true` every
/// check is made and the answer shows the session that would be created, without a link; nothing is
/// stored, sent or audited.
#[utoipa::path(
    tag = "registration-sessions",
    params(
        ("user" = String, Path, description = "The user's id or username", example = "carol"),
        DryRunQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key answers with the first response"),
    ),
    request_body = CreateRegistrationSession,
    responses(
        (status = 201, description = "The session, with its link", body = RegistrationSession),
        (status = 200, description = "A dry run: the session that would be created (without a link); nothing was stored or sent", body = RegistrationSession),
        (status = 409, description = "Already enrolled, a pending session exists, or the user is disabled"),
    ),
    security(("bearer" = ["registration-sessions:write"])),
)]
#[post("/users/{user}/registration-sessions")]
pub async fn create_registration_session(
    state: web::Data<AppState>,
    ctx: Context,
    user: web::Path<String>,
    key: IdempotencyKey,
    query: ApiQuery<DryRunQuery>,
    body: ApiJson<CreateRegistrationSession>,
) -> ApiResult<HttpResponse> {
    let mode = key.with(query);
    let dry_run = mode.dry_run;
    let answer =
        registration_sessions::create(&state, &ctx, user.into_inner(), body.0, mode).await?;
    Ok(created(answer, dry_run))
}
