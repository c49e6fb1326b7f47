//! Codes a user reads back: issuing, rate limits, and checking (shared by identity verification and
//! enrollment challenges). The numbers are DESIGN.md's: 6 digits, 10 minutes, 5 failed attempts.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::{Context, Deps, Effect, audit};
use crate::crypto::{ServerKey, six_digit_code};
use crate::db::DbConn;
use crate::db::audit_events;
use crate::db::code_challenges::{self as challenge_rows, CodeChallengeRow};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollments::ChallengeStatus;

/// How long a code is valid.
pub const CODE_TTL_MINUTES: i64 = 10;
/// Wrong codes before a challenge locks (a resend never resets the count).
pub const MAX_FAILED_ATTEMPTS: i32 = 5;
/// Least time between two sends of one challenge.
pub const RESEND_INTERVAL_SECONDS: i64 = 30;
/// Codes sent to one user per hour, across all operators and replicas.
pub const USER_SENDS_PER_HOUR: i32 = 10;
/// Codes one operator may send per hour, across all replicas.
pub const OPERATOR_SENDS_PER_HOUR: i32 = 100;

/// A new code and its challenge row.
pub struct Issued {
    /// The stored challenge (the code only as a keyed hash).
    pub row: CodeChallengeRow,
    /// The code, for the message and nothing else.
    pub code: String,
}

/// What a new challenge is for.
pub struct ChallengeTarget<'a> {
    /// `identity_verification` or `enrollment`.
    pub purpose: &'static str,
    /// The user's id.
    pub user_id: &'a str,
    /// For enrollments: the service.
    pub service_id: Option<&'a str>,
    /// `email` or `sms`.
    pub channel: &'a str,
    /// Where the code goes.
    pub address: &'a str,
}

/// Takes one send from the per-user and per-operator hourly allowances, or refuses with 429.
pub fn take_send_allowance(
    conn: &mut DbConn,
    now: DateTime<Utc>,
    user_id: &str,
    operator_id: &str,
) -> AppResult<()> {
    super::public_limits::take_hourly(
        conn,
        now,
        &[
            (format!("code-send:user:{user_id}"), USER_SENDS_PER_HOUR),
            (
                format!("code-send:operator:{operator_id}"),
                OPERATOR_SENDS_PER_HOUR,
            ),
        ],
    )
}

/// Creates a challenge with a fresh code.
pub fn issue(
    conn: &mut DbConn,
    key: &ServerKey,
    ctx: &Context,
    now: DateTime<Utc>,
    target: ChallengeTarget<'_>,
) -> AppResult<Issued> {
    take_send_allowance(conn, now, target.user_id, ctx.actor.id())?;
    let id = uuid::Uuid::now_v7().to_string();
    let code = six_digit_code()?;
    let row = CodeChallengeRow {
        code_hash: key.hash(&id, &code),
        id,
        purpose: target.purpose.to_owned(),
        user_id: target.user_id.to_owned(),
        operator_id: ctx.actor.id().to_owned(),
        service_id: target.service_id.map(str::to_owned),
        channel: target.channel.to_owned(),
        address: target.address.to_owned(),
        expires_at: (now + Duration::minutes(CODE_TTL_MINUTES)).naive_utc(),
        failed_attempts: 0,
        max_attempts: MAX_FAILED_ATTEMPTS,
        send_count: 1,
        last_sent_at: now.naive_utc(),
        consumed_at: None,
        verified_until: None,
        created_at: now.naive_utc(),
    };
    challenge_rows::insert(conn, &row)?;
    Ok(Issued { row, code })
}

/// Replaces the code of an open challenge (the failure count stays), after the resend interval.
pub fn reissue(
    conn: &mut DbConn,
    key: &ServerKey,
    ctx: &Context,
    now: DateTime<Utc>,
    row: &CodeChallengeRow,
) -> AppResult<Issued> {
    match status(row, now) {
        ChallengeStatus::Verified => return Err(used()),
        ChallengeStatus::Locked => return Err(locked()),
        ChallengeStatus::Pending | ChallengeStatus::Expired => {}
    }
    let since = (now.naive_utc() - row.last_sent_at).num_seconds();
    if since < RESEND_INTERVAL_SECONDS {
        let retry_after = u64::try_from(RESEND_INTERVAL_SECONDS - since).unwrap_or(1);
        return Err(AppError::RateLimited { retry_after });
    }
    take_send_allowance(conn, now, &row.user_id, ctx.actor.id())?;
    let code = six_digit_code()?;
    let code_hash = key.hash(&row.id, &code);
    let expires_at = (now + Duration::minutes(CODE_TTL_MINUTES)).naive_utc();
    if challenge_rows::resend(conn, &row.id, &code_hash, now.naive_utc(), expires_at)? == 0 {
        return Err(used());
    }
    let row = challenge_rows::find(conn, &row.id)?
        .ok_or_else(|| AppError::internal("challenge vanished"))?;
    Ok(Issued { row, code })
}

/// A challenge's state at `now`.
pub fn status(row: &CodeChallengeRow, now: DateTime<Utc>) -> ChallengeStatus {
    if row.consumed_at.is_some() {
        ChallengeStatus::Verified
    } else if row.failed_attempts >= row.max_attempts {
        ChallengeStatus::Locked
    } else if now.naive_utc() >= row.expires_at {
        ChallengeStatus::Expired
    } else {
        ChallengeStatus::Pending
    }
}

/// Wrong codes still allowed.
pub fn attempts_left(row: &CodeChallengeRow) -> u32 {
    u32::try_from(row.max_attempts - row.failed_attempts).unwrap_or(0)
}

fn used() -> AppError {
    AppError::Conflict {
        code: ErrorCode::ChallengeUsed,
        message: "this code was already used".into(),
    }
}

fn locked() -> AppError {
    AppError::Unprocessable {
        code: ErrorCode::ChallengeLocked,
        message: format!("{MAX_FAILED_ATTEMPTS} wrong codes were entered; start a new challenge"),
    }
}

/// Loads a challenge of `purpose` started by the calling operator, or `NotFound`.
pub fn find_own(
    conn: &mut DbConn,
    ctx: &Context,
    id: &str,
    purpose: &str,
    kind: &'static str,
) -> AppResult<CodeChallengeRow> {
    challenge_rows::find(conn, id)?
        .filter(|row| row.purpose == purpose && row.operator_id == ctx.actor.id())
        .ok_or_else(|| AppError::NotFound {
            kind,
            id: id.to_owned(),
        })
}

/// What kind of challenge a lookup expects.
#[derive(Debug, Clone, Copy)]
pub struct ChallengeKind {
    /// The stored purpose.
    pub purpose: &'static str,
    /// The name used in "does not exist" answers.
    pub name: &'static str,
}

/// Why a challenge that is not pending cannot be answered.
fn not_open(status: ChallengeStatus) -> AppError {
    match status {
        ChallengeStatus::Verified => used(),
        ChallengeStatus::Locked => locked(),
        _ => AppError::Unprocessable {
            code: ErrorCode::CodeExpired,
            message: "the code has expired; send a new one".into(),
        },
    }
}

/// Checks a code read back. The attempt is counted in its own transaction before the comparison, so
/// parallel guesses cannot exceed the cap; wrong codes and lockouts are audited. On success the
/// challenge row is returned, still unconsumed: the caller consumes it (exactly one caller wins).
///
/// A dry run checks everything but the code: the challenge is the caller's and still open, and the
/// code has the right form. It never compares the code, so it spends no attempt and tells nothing
/// about the code.
pub async fn check(
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    id: String,
    code: String,
    kind: ChallengeKind,
    effect: Effect,
) -> AppResult<CodeChallengeRow> {
    let (db, key) = (&deps.db, &deps.key);
    let (purpose, kind) = (kind.purpose, kind.name);
    let code = code.trim().to_owned();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid(
            "code",
            "must be the 6 digits the user read back",
        ));
    }
    let counted_ctx = ctx.clone();
    if effect == Effect::DryRun {
        return db
            .read(move |conn| {
                let row = find_own(conn, &counted_ctx, &id, purpose, kind)?;
                match status(&row, now) {
                    ChallengeStatus::Pending => Ok(row),
                    other => Err(not_open(other)),
                }
            })
            .await;
    }
    let row = db
        .write(move |conn| {
            find_own(conn, &counted_ctx, &id, purpose, kind)?;
            let counted = challenge_rows::count_attempt(conn, &id, now.naive_utc())?;
            let row = find_own(conn, &counted_ctx, &id, purpose, kind)?;
            if counted == 0 {
                return Err(not_open(status(&row, now)));
            }
            Ok(row)
        })
        .await?;
    if key.verify(&row.id, &code, &row.code_hash) {
        return Ok(row);
    }
    let failures = row.failed_attempts;
    let ctx = ctx.clone();
    let target_id = row.user_id.clone();
    let challenge_id = row.id.clone();
    db.write(move |conn| {
        let detail = json!({"challenge": challenge_id, "failed_attempts": failures});
        let mut rows = vec![audit::row(
            &ctx,
            now,
            audit::failure("user", &target_id, Some(detail)),
        )];
        if failures >= MAX_FAILED_ATTEMPTS {
            let mut lockout = audit::row(
                &ctx,
                now,
                audit::failure("user", &target_id, Some(json!({"challenge": challenge_id}))),
            );
            lockout.action = "challenge_locked".into();
            rows.push(lockout);
        }
        audit_events::insert(conn, &rows).map_err(AppError::from)
    })
    .await?;
    if failures >= MAX_FAILED_ATTEMPTS {
        return Err(locked());
    }
    Err(AppError::Unprocessable {
        code: ErrorCode::InvalidCode,
        message: format!(
            "the code is wrong; {} attempts left",
            MAX_FAILED_ATTEMPTS - failures
        ),
    })
}

/// Consumes a checked challenge; `Conflict` when another request consumed it first.
pub fn consume(
    conn: &mut DbConn,
    row: &CodeChallengeRow,
    now: DateTime<Utc>,
    verified_until: Option<DateTime<Utc>>,
) -> AppResult<()> {
    if challenge_rows::consume(
        conn,
        &row.id,
        now.naive_utc(),
        verified_until.map(|t| t.naive_utc()),
    )? == 1
    {
        Ok(())
    } else {
        Err(used())
    }
}
