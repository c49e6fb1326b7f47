//! Registration sessions for the mobile app: short-lived, single-use secrets handed to the user as a
//! QR code (email) or a link (SMS). The secret is never stored: it is derived from the session id with
//! the server key, so a pending session's QR code can be shown again.

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::Deps;
use super::notifications::{self, Outgoing};
use super::{
    Context, audit, enrollments, identity_services, identity_verifications, notification_templates,
    page, users, with_outbox,
};
use crate::crypto::ServerKey;
use crate::db::audit_events::AuditEventRow;
use crate::db::registration_sessions::{self as rows, SessionFilter, SessionRow};
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollments::Actor;
use crate::model::messages::InlineImage;
use crate::model::registration_sessions::{
    CreateRegistrationSession, ListRegistrationSessionsQuery, NotificationsQueued, NotifyChannel,
    NotifyRegistrationSession, RegistrationSession, RegistrationSessionPage, SessionStatus,
};
use crate::qr::QrFormat;
use crate::service::mutation::{self, Answered, Effect, Mode};
use crate::service::versions;

/// Default lifetime.
pub const DEFAULT_TTL_MINUTES: i64 = 24 * 60;
/// Shortest lifetime.
pub const MIN_TTL_MINUTES: i64 = 10;
/// Longest lifetime.
pub const MAX_TTL_MINUTES: i64 = 7 * 24 * 60;

const SECRET_CONTEXT: &str = "registration-session";

/// The secret of a session (see [`ServerKey::link_secret`]).
pub fn secret_for(key: &ServerKey, id: &str) -> String {
    key.link_secret(SECRET_CONTEXT, id)
}

/// The session id a secret names, if the secret is genuine.
pub fn session_of_secret(key: &ServerKey, secret: &str) -> Option<String> {
    key.id_of_link_secret(SECRET_CONTEXT, secret)
}

/// The link the app opens; the secret is in the fragment, so it never reaches a server log.
pub fn enroll_url(public_url: &str, secret: &str) -> String {
    format!("{public_url}/enroll#{secret}")
}

fn to_model(row: SessionRow, now: DateTime<Utc>) -> RegistrationSession {
    RegistrationSession {
        status: row.effective_status(now.naive_utc()),
        id: row.id,
        user_id: row.user_id,
        created_at: row.created_at.and_utc(),
        expires_at: row.expires_at.and_utc(),
        created_by: Actor {
            id: row.created_by,
            name: row.created_by_name,
        },
        enroll_url: None,
        enroll_url_withheld: None,
        ttl_clamped: false,
        notified: Vec::new(),
        consumed_at: row.consumed_at.map(|t| t.and_utc()),
        removed_at: row.removed_at.map(|t| t.and_utc()),
        enrollment_id: row.enrollment_id,
    }
}

/// The lifetime in minutes for a requested number of hours, and whether it was clamped.
pub fn ttl_minutes(hours: Option<f64>) -> AppResult<(i64, bool)> {
    let Some(hours) = hours else {
        return Ok((DEFAULT_TTL_MINUTES, false));
    };
    if !hours.is_finite() || hours <= 0.0 {
        return Err(AppError::invalid(
            "hours_to_live",
            "must be a positive number of hours",
        ));
    }
    let minutes = (hours * 60.0).round().min(i64::MAX as f64) as i64;
    let clamped = minutes.clamp(MIN_TTL_MINUTES, MAX_TTL_MINUTES);
    Ok((clamped, clamped != minutes))
}

fn not_pending(status: SessionStatus) -> AppError {
    AppError::Conflict {
        code: ErrorCode::SessionNotPending,
        message: format!("the registration session is {}", status.as_str()),
    }
}

/// Queues the registration message for one channel.
fn queue_message(
    conn: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    session: &SessionRow,
    channel: NotifyChannel,
) -> AppResult<String> {
    let (recipient, service_for_config, channel_name) = match channel {
        NotifyChannel::Email => (user.email.clone(), "personal-email", "email"),
        NotifyChannel::Sms => (user.phone.clone(), "mobile-code", "sms"),
    };
    if let Some(reason) = identity_services::not_configured_reason(&deps.config, service_for_config)
    {
        return Err(AppError::Unprocessable {
            code: ErrorCode::ServiceNotConfigured,
            message: format!("cannot send by {channel_name}: {reason}"),
        });
    }
    let recipient = recipient.ok_or_else(|| AppError::Unprocessable {
        code: ErrorCode::NoContact,
        message: format!(
            "the user has no {} in the directory",
            if channel == NotifyChannel::Email {
                "email address"
            } else {
                "phone number"
            }
        ),
    })?;
    let url = enroll_url(&deps.public_url, &secret_for(&deps.key, &session.id));
    let expires_at = session.expires_at.and_utc();
    let values = BTreeMap::from([
        ("UserDisplayName", user.display_name.clone()),
        ("Username", user.username.clone()),
        ("EnrollUrl", url.clone()),
        ("ExpiresAt", notifications::display_time(expires_at)),
        (
            "OperatorName",
            ctx.actor.name().unwrap_or("the service desk").to_owned(),
        ),
    ]);
    let inline_images = if channel == NotifyChannel::Email {
        let png = crate::qr::png(&url, 480, 4)?;
        vec![InlineImage {
            cid: notification_templates::QR_CID.to_owned(),
            content_type: "image/png".into(),
            data_base64: base64::engine::general_purpose::STANDARD.encode(png),
        }]
    } else {
        Vec::new()
    };
    let spec = notification_templates::spec("mobile-app", channel_name, "registration")?;
    let row = notifications::queue(
        conn,
        &deps.key,
        now,
        Outgoing {
            user_id: Some(&user.id),
            recipient: &recipient,
            spec,
            values,
            not_after: Some(expires_at),
            inline_images,
        },
    )?;
    Ok(row.id)
}

/// Makes way for a new session: the user's pending session is marked expired if it has lapsed, or
/// removed if `force` (answering its audit row), or else refused.
fn clear_pending(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    user_id: &str,
    force: bool,
) -> AppResult<Option<AuditEventRow>> {
    match rows::pending(tx, user_id)? {
        None => Ok(None),
        Some(lapsed) if lapsed.effective_status(now.naive_utc()) == SessionStatus::Expired => {
            rows::expire(tx, &lapsed.id)?;
            Ok(None)
        }
        Some(existing) if force => {
            rows::remove(tx, &existing.id, now.naive_utc(), ctx.actor.id())?;
            let detail = json!({"session": existing.id, "replaced": true});
            Ok(Some(audit::user_row(ctx, now, user_id, detail)))
        }
        Some(existing) => Err(AppError::Conflict {
            code: ErrorCode::SessionExists,
            message: format!(
                "the user has a pending registration session ({}); use force to replace it",
                existing.id
            ),
        }),
    }
}

fn dedup(channels: &[NotifyChannel]) -> Vec<NotifyChannel> {
    let mut out = Vec::new();
    for channel in channels {
        if !out.contains(channel) {
            out.push(*channel);
        }
    }
    out
}

/// Creates a session for a user not yet enrolled in the mobile app, and sends it if asked. A dry run
/// answers with the session that would be created, without a link (there is no session to open).
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    user: String,
    input: CreateRegistrationSession,
    mode: Mode,
) -> AppResult<Answered<RegistrationSession>> {
    let (minutes, ttl_clamped) = ttl_minutes(input.hours_to_live)?;
    let now = deps.clock.now();
    let owned = deps.clone();
    let channels = dedup(&input.notify);
    let dry_run = mode.dry_run;
    let request = (user, input);
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, request, move |tx, (user, input)| {
        let (deps, ctx) = (&owned, &ctx_owned);
        let user = users::find_required(tx, &user)?;
        let opening = Opening {
            minutes,
            force: input.force,
            channels: &channels,
        };
        let row = open_session(tx, deps, ctx, now, &user, opening)?;
        let shown = identity_verifications::is_verified(tx, ctx, &user.id, now)?;
        let url = enroll_url(&deps.public_url, &secret_for(&deps.key, &row.id));
        let mut session = to_model(row, now);
        if dry_run {
            session.enroll_url_withheld =
                Some("a dry run: no session was created, so there is no link".into());
        } else if shown {
            session.enroll_url = Some(url);
        } else {
            session.enroll_url_withheld = Some(format!(
                "the link is shown only to an operator who verified the user's identity: {}",
                identity_verifications::NOT_VERIFIED
            ));
        }
        session.ttl_clamped = ttl_clamped;
        session.notified = channels;
        Ok(session)
    })
    .await
}

/// How a new session is opened.
pub struct Opening<'a> {
    /// Its lifetime.
    pub minutes: i64,
    /// Replace a pending session.
    pub force: bool,
    /// Where to send it.
    pub channels: &'a [NotifyChannel],
}

/// Opens a session for an active user not yet enrolled in the mobile app, inside a change's
/// transaction: the replaced session (with `force`), the new one, its messages and audit rows.
pub fn open_session(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    opening: Opening<'_>,
) -> AppResult<SessionRow> {
    let (minutes, channels) = (opening.minutes, opening.channels);
    users::require_active(user)?;
    let service = enrollments::find_service(tx, "mobile-app")?;
    enrollments::require_usable(&deps.config, &service)?;
    if crate::db::enrollments::active(tx, &user.id, "mobile-app")?.is_some() {
        return Err(AppError::Conflict {
            code: ErrorCode::AlreadyEnrolled,
            message: "the user is already enrolled in mobile-app".into(),
        });
    }
    // The replaced session's audit row and the new one's go in in one statement.
    let mut audit_rows = Vec::with_capacity(2);
    audit_rows.extend(clear_pending(tx, ctx, now, &user.id, opening.force)?);
    let row = SessionRow {
        id: uuid::Uuid::now_v7().to_string(),
        user_id: user.id.clone(),
        status: SessionStatus::Pending,
        created_at: now.naive_utc(),
        created_by: ctx.actor.id().to_owned(),
        created_by_name: ctx.actor.name().map(str::to_owned),
        expires_at: (now + Duration::minutes(minutes)).naive_utc(),
        consumed_at: None,
        removed_at: None,
        removed_by: None,
        enrollment_id: None,
    };
    rows::insert(tx, &row)?;
    for channel in channels {
        queue_message(tx, deps, ctx, now, user, &row, *channel)?;
    }
    let detail =
        json!({"session": row.id, "expires_at": row.expires_at.and_utc(), "notify": channels});
    audit_rows.push(audit::user_row(ctx, now, &user.id, detail));
    audit::insert(tx, &audit_rows)?;
    Ok(row)
}

fn find(conn: &mut DbConn, id: &str) -> AppResult<SessionRow> {
    rows::find(conn, id)?.ok_or_else(|| AppError::NotFound {
        kind: "registration session",
        id: id.to_owned(),
    })
}

/// One session.
pub async fn get(deps: &Deps, id: String) -> AppResult<RegistrationSession> {
    let now = deps.clock.now();
    deps.db
        .read(move |conn| find(conn, &id).map(|row| to_model(row, now)))
        .await
}

/// The user's pending session, or `NotFound`.
pub async fn current(deps: &Deps, user: String) -> AppResult<RegistrationSession> {
    let now = deps.clock.now();
    deps.db
        .read(move |conn| {
            let user = users::find_required(conn, &user)?;
            rows::pending(conn, &user.id)?
                .filter(|row| row.effective_status(now.naive_utc()) == SessionStatus::Pending)
                .map(|row| to_model(row, now))
                .ok_or(AppError::NotFound {
                    kind: "pending registration session for user",
                    id: user.username,
                })
        })
        .await
}

/// A page of sessions.
pub async fn list(
    deps: &Deps,
    query: ListRegistrationSessionsQuery,
) -> AppResult<RegistrationSessionPage> {
    let limit = page::limit(query.limit)?;
    let before_id = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("sessions", c))
        .transpose()?;
    let now = deps.clock.now();
    let found = deps
        .db
        .read(move |conn| {
            let user_id = match &query.user {
                Some(user) => Some(users::find_required(conn, user)?.id),
                None => None,
            };
            let filter = SessionFilter {
                status: query.status,
                user_id,
                created_by: query.created_by,
                before_id,
            };
            Ok::<_, AppError>(rows::list(conn, &filter, now.naive_utc(), limit + 1)?)
        })
        .await?;
    let (found, next_cursor) = page::split(found, limit, "sessions", |row| row.id.clone());
    Ok(RegistrationSessionPage {
        items: found.into_iter().map(|row| to_model(row, now)).collect(),
        next_cursor,
    })
}

/// Removes a pending session: its secret stops working at once. With `If-Match`, only if the session
/// still has that version.
pub async fn delete(deps: &Deps, ctx: &Context, id: String, mode: Mode) -> AppResult<()> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    with_outbox(deps, Effect::of(mode.dry_run), move |tx| {
        let row = find(tx, &id)?;
        versions::require_current(mode.if_match.as_deref(), || Ok(to_model(row.clone(), now)))?;
        if rows::remove(tx, &row.id, now.naive_utc(), ctx.actor.id())? == 0 {
            return Err(not_pending(row.effective_status(now.naive_utc())));
        }
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("user", &row.user_id, Some(json!({"session": row.id}))),
        )
    })
    .await
}

/// Sends a pending session again. A dry run answers with the ids the messages would have.
pub async fn notify(
    deps: &Deps,
    ctx: &Context,
    id: String,
    input: NotifyRegistrationSession,
    mode: Mode,
) -> AppResult<Answered<NotificationsQueued>> {
    let channels = input.channels.clone();
    if channels.is_empty() {
        return Err(AppError::invalid(
            "channels",
            "name at least one channel: email or sms",
        ));
    }
    let now = deps.clock.now();
    let owned = deps.clone();
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, (id, input), move |tx, (id, _)| {
        let (deps, ctx) = (&owned, &ctx_owned);
        let row = find(tx, &id)?;
        let current = row.effective_status(now.naive_utc());
        if current != SessionStatus::Pending {
            return Err(not_pending(current));
        }
        let user = users::find_required(tx, &row.user_id)?;
        let mut ids = Vec::new();
        for channel in dedup(&channels) {
            ids.push(queue_message(tx, deps, ctx, now, &user, &row, channel)?);
        }
        let detail = json!({"session": row.id, "channels": channels});
        audit::record_user(tx, ctx, now, &user.id, detail)?;
        Ok(NotificationsQueued {
            notification_ids: ids,
        })
    })
    .await
}

/// The QR code of a pending session's link: PNG, or SVG.
pub async fn qr(
    deps: &Deps,
    ctx: &Context,
    id: String,
    format: QrFormat,
    size: Option<u32>,
    margin: Option<u32>,
) -> AppResult<Vec<u8>> {
    let size = size.unwrap_or(320);
    if !(64..=crate::qr::MAX_SIZE).contains(&size) {
        return Err(AppError::invalid(
            "size",
            format!("must be between 64 and {}", crate::qr::MAX_SIZE),
        ));
    }
    let margin = margin.unwrap_or(4);
    if margin > 16 {
        return Err(AppError::invalid("margin", "must be between 0 and 16"));
    }
    let now = deps.clock.now();
    let ctx = ctx.clone();
    let row = deps
        .db
        .read(move |conn| {
            let row = find(conn, &id)?;
            let current = row.effective_status(now.naive_utc());
            if current != SessionStatus::Pending {
                return Err(not_pending(current));
            }
            identity_verifications::require_verified(conn, &ctx, &row.user_id, now)?;
            Ok(row)
        })
        .await?;
    let url = enroll_url(&deps.public_url, &secret_for(&deps.key, &row.id));
    crate::qr::draw(format, &url, size, margin).map_err(AppError::internal)
}
