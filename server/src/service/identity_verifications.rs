//! Identity verification: an agent sends the user a code, the user reads it back, and a window opens
//! in which this operator (only) may change this user's enrollments.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::Deps;
use super::code_challenges::{self, ChallengeTarget};
use super::notifications::{self, Outgoing};
use super::{Context, audit, identity_services, notification_templates, settings, users, write};
use crate::db::code_challenges::{self as challenge_rows, CodeChallengeRow};
use crate::db::{Db, DbConn, enrollments, users as user_rows};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollments::{
    CodeChannel, IdentityVerification, IdentityVerificationStatus, StartIdentityVerification,
};
use crate::service::mutation::{self, Answered, Effect, Mode};

const PURPOSE: &str = "identity_verification";
const KIND: &str = "identity verification";
const CHALLENGE: code_challenges::ChallengeKind = code_challenges::ChallengeKind {
    purpose: PURPOSE,
    name: KIND,
};

fn to_model(row: &CodeChallengeRow, now: DateTime<Utc>) -> IdentityVerification {
    IdentityVerification {
        id: row.id.clone(),
        user_id: row.user_id.clone(),
        channel: if row.channel == "sms" {
            CodeChannel::Sms
        } else {
            CodeChannel::Email
        },
        destination: notifications::mask(&row.address),
        status: code_challenges::status(row, now),
        expires_at: row.expires_at.and_utc(),
        attempts_left: code_challenges::attempts_left(row),
        verified_until: row.verified_until.map(|t| t.and_utc()),
    }
}

/// Where a code for `channel` goes: the directory contact, else the enrolled one.
fn destination(
    conn: &mut DbConn,
    user: &user_rows::UserRow,
    channel: CodeChannel,
) -> AppResult<String> {
    let (directory, service) = match channel {
        CodeChannel::Email => (user.email.clone(), "personal-email"),
        CodeChannel::Sms => (user.phone.clone(), "mobile-code"),
    };
    if let Some(address) = directory {
        return Ok(address);
    }
    if let Some(enrolled) = enrollments::active(conn, &user.id, service)? {
        return Ok(enrolled.address);
    }
    Err(AppError::Unprocessable {
        code: ErrorCode::NoContact,
        message: format!(
            "the user has no {} in the directory and none enrolled",
            match channel {
                CodeChannel::Email => "email address",
                CodeChannel::Sms => "phone number",
            }
        ),
    })
}

/// The values every code message can use.
pub fn code_values(
    user: &user_rows::UserRow,
    ctx: &Context,
    code: &str,
    expires_at: DateTime<Utc>,
    service_name: &str,
) -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("UserDisplayName", user.display_name.clone()),
        ("Username", user.username.clone()),
        ("Code", code.to_owned()),
        ("ExpiresAt", notifications::display_time(expires_at)),
        ("ServiceName", service_name.to_owned()),
        (
            "OperatorName",
            ctx.actor.name().unwrap_or("the service desk").to_owned(),
        ),
    ])
}

/// Sends a verification code to the user. A dry run makes every check (including the hourly send
/// allowances, without spending them) and sends nothing.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    user: String,
    input: StartIdentityVerification,
    mode: Mode,
) -> AppResult<Answered<IdentityVerification>> {
    let service_id = match input.channel {
        CodeChannel::Email => "personal-email",
        CodeChannel::Sms => "mobile-code",
    };
    if let Some(reason) = identity_services::not_configured_reason(&deps.config, service_id) {
        return Err(AppError::Unprocessable {
            code: ErrorCode::ServiceNotConfigured,
            message: format!("cannot send by {}: {reason}", input.channel.as_str()),
        });
    }
    let now = deps.clock.now();
    let key = deps.key.clone();
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, (user, input), move |tx, (user, input)| {
        let ctx = &ctx_owned;
        let user = users::find_required(tx, &user)?;
        users::require_active(&user)?;
        let address = destination(tx, &user, input.channel)?;
        let issued = code_challenges::issue(
            tx,
            &key,
            ctx,
            now,
            ChallengeTarget {
                purpose: PURPOSE,
                user_id: &user.id,
                service_id: None,
                channel: input.channel.as_str(),
                address: &address,
            },
        )?;
        let expires_at = issued.row.expires_at.and_utc();
        let spec = notification_templates::spec(
            service_id,
            input.channel.as_str(),
            "identity-verification-code",
        )?;
        let service_name = if input.channel == CodeChannel::Email {
            "Email"
        } else {
            "SMS"
        };
        notifications::queue(
            tx,
            &key,
            now,
            Outgoing {
                user_id: Some(&user.id),
                recipient: &address,
                spec,
                values: code_values(&user, ctx, &issued.code, expires_at, service_name),
                not_after: Some(expires_at),
                inline_images: Vec::new(),
            },
        )?;
        let detail = json!({"challenge": issued.row.id, "channel": input.channel.as_str()});
        audit::record_user(tx, ctx, now, &user.id, detail)?;
        Ok(to_model(&issued.row, now))
    })
    .await
}

/// Checks the code the user read back and opens the verification window. A dry run checks all but
/// the code (see `code_challenges::check`) and answers with the window that would open.
pub async fn confirm(
    deps: &Deps,
    ctx: &Context,
    id: String,
    code: String,
    effect: Effect,
) -> AppResult<IdentityVerification> {
    let now = deps.clock.now();
    let row = code_challenges::check(deps, ctx, now, id, code, CHALLENGE, effect).await?;
    let ctx = ctx.clone();
    write(&deps.db, effect, move |tx| {
        // A user disabled since the code was sent cannot be verified.
        let user = users::find_required(tx, &row.user_id)?;
        users::require_active(&user)?;
        let policy = settings::identity_verification(tx)?;
        let until = now + Duration::minutes(i64::from(policy.window_minutes));
        code_challenges::consume(tx, &row, now, Some(until))?;
        let detail = json!({"challenge": row.id, "verified_until": until});
        audit::record_user(tx, &ctx, now, &row.user_id, detail)?;
        let row = challenge_rows::find(tx, &row.id)?
            .ok_or_else(|| AppError::internal("challenge vanished"))?;
        Ok(to_model(&row, now))
    })
    .await
}

/// Whether the calling operator has an open verification window for the user.
pub async fn status(
    db: &Db,
    ctx: &Context,
    now: DateTime<Utc>,
    user: String,
) -> AppResult<IdentityVerificationStatus> {
    let operator = ctx.actor.id().to_owned();
    db.read(move |conn| {
        let user = users::find_required(conn, &user)?;
        let policy = settings::identity_verification(conn)?;
        let open = challenge_rows::open_verification(conn, &user.id, &operator, now.naive_utc())?;
        Ok(IdentityVerificationStatus {
            verified: open.is_some(),
            verified_at: open
                .as_ref()
                .and_then(|r| r.consumed_at)
                .map(|t| t.and_utc()),
            expires_at: open
                .as_ref()
                .and_then(|r| r.verified_until)
                .map(|t| t.and_utc()),
            channel: open.as_ref().map(|r| {
                if r.channel == "sms" {
                    CodeChannel::Sms
                } else {
                    CodeChannel::Email
                }
            }),
            enforced: policy.enforce,
        })
    })
    .await
}

/// Refuses (409 `identity_not_verified`) unless the operator verified the user within the window, or
/// enforcement is off.
pub fn require_verified(
    conn: &mut DbConn,
    ctx: &Context,
    user_id: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if is_verified(conn, ctx, user_id, now)? {
        return Ok(());
    }
    Err(AppError::Conflict {
        code: ErrorCode::IdentityNotVerified,
        message: NOT_VERIFIED.into(),
    })
}

/// What an operator who has not verified the user is told.
pub const NOT_VERIFIED: &str = "verify the user's identity first (create_identity_verification, then confirm_identity_verification)";

/// Whether the operator verified the user within the window, or enforcement is off.
pub fn is_verified(
    conn: &mut DbConn,
    ctx: &Context,
    user_id: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if !settings::identity_verification(conn)?.enforce {
        return Ok(true);
    }
    let open = challenge_rows::open_verification(conn, user_id, ctx.actor.id(), now.naive_utc())?;
    Ok(open.is_some())
}
