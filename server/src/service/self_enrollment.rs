//! Token self-enrollment (public, no operator token): the user opens the emailed link, gets a fresh
//! TOTP key as an `otpauth://` QR code, and proves one code; the entry is then `completed` and a
//! `software-token` enrollment exists. Wrong codes count toward the policy's attempts (then `locked`).
//! Wrong, canceled, removed, expired and locked links all get the same answer.

use chrono::{DateTime, NaiveDate, Utc};
use rand::TryRngCore;
use serde_json::json;

use super::Deps;
use super::enrollments;
use super::provisioning_tasks::{entry_of_secret, today};
use super::public_limits::{self, Origin};
use super::{Context, audit, users, with_outbox};
use crate::db::DbConn;
use crate::db::task_entries::{self as entries, EntryRow};
use crate::db::users as user_rows;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::provisioning::{EntryStatus, SelfEnrollmentCompleted, SelfEnrollmentToken};
use crate::service::mutation::Effect;

const LIMIT: &str = "self-enrollment";
const ISSUER: &str = "Enrolld";

fn rejected() -> AppError {
    AppError::Unprocessable {
        code: ErrorCode::InvalidSelfEnrollmentLink,
        message: "this enrollment link does not work: it is wrong, canceled, expired or locked; ask your service desk"
            .into(),
    }
}

fn self_service(user: &user_rows::UserRow, origin: &Origin) -> Context {
    Context {
        actor: super::Actor::User {
            id: user.id.clone(),
            name: user.display_name.clone(),
        },
        request_id: origin.request_id.clone(),
        operation_id: origin.operation_id,
    }
}

async fn record_if_rejected<T>(
    deps: &Deps,
    origin: &Origin,
    now: chrono::DateTime<chrono::Utc>,
    result: AppResult<T>,
) -> AppResult<T> {
    if let Err(AppError::Unprocessable {
        code: ErrorCode::InvalidSelfEnrollmentLink,
        ..
    }) = &result
    {
        public_limits::record_failure(
            deps,
            LIMIT,
            origin,
            now,
            json!({"reason": "invalid self-enrollment link"}),
        )
        .await?;
    }
    result
}

/// The entry's user, while the user is active and software tokens are switched on (checked at each
/// use of the link, not only when it was sent).
fn usable_user(conn: &mut DbConn, entry: &entries::EntryRow) -> AppResult<user_rows::UserRow> {
    let user = users::find_required(conn, &entry.user_id)?;
    enrollments::require_may_enroll(conn, &user, "software-token").map_err(|_| rejected())?;
    Ok(user)
}

/// The entry a genuine secret names; a secret that is not genuine is counted against its source
/// (429 past the cap) and rejected.
async fn genuine_entry(
    deps: &Deps,
    origin: &Origin,
    now: chrono::DateTime<chrono::Utc>,
    secret: &str,
) -> AppResult<String> {
    match entry_of_secret(&deps.key, secret) {
        Some(entry_id) => Ok(entry_id),
        None => {
            let detail = json!({"reason": "invalid self-enrollment link"});
            public_limits::count_bogus(deps, LIMIT, origin, now, detail).await?;
            Err(rejected())
        }
    }
}

/// Starts (or restarts) self-enrollment: a fresh TOTP key, kept sealed with the server key.
pub async fn start(deps: &Deps, origin: Origin, secret: String) -> AppResult<SelfEnrollmentToken> {
    let now = deps.clock.now();
    let today = today(now);
    let entry_id = genuine_entry(deps, &origin, now, &secret).await?;
    let key = deps.key.clone();
    let call_origin = origin.clone();
    let result = with_outbox(deps, Effect::Commit, move |tx| {
        let entry = entries::find(tx, &entry_id)?.ok_or_else(rejected)?;
        if entry.effective_status(today) != EntryStatus::Active
            || entry.attempts >= entry.max_attempts
        {
            return Err(rejected());
        }
        let user = usable_user(tx, &entry)?;
        let mut totp_key = [0u8; 20];
        rand::rngs::OsRng
            .try_fill_bytes(&mut totp_key)
            .map_err(AppError::internal)?;
        let serial = format!(
            "SWT{:010}",
            rand::rngs::OsRng
                .try_next_u64()
                .map_err(AppError::internal)?
                % 10_000_000_000
        );
        let sealed = key.seal("task_entries", &entry.id, &totp_key)?;
        if entries::start(tx, &entry.id, &serial, &sealed, now.naive_utc())? != 1 {
            return Err(rejected());
        }
        let ctx = self_service(&user, &call_origin);
        let detail = json!({"task": entry.task_number, "serial": serial});
        audit::record_user(tx, &ctx, now, &user.id, detail)?;
        let uri = crate::totp::otpauth_uri(ISSUER, &user.username, &totp_key);
        Ok(SelfEnrollmentToken {
            qr_svg: crate::qr::svg(&uri, 256, 4)?,
            secret_base32: crate::totp::base32(&totp_key),
            otpauth_uri: uri,
            serial,
            stop_date: entry.stop_date,
        })
    })
    .await;
    record_if_rejected(deps, &origin, now, result).await
}

/// Checks one code from the app; on success the entry is completed and the token enrolled.
pub async fn complete(
    deps: &Deps,
    origin: Origin,
    secret: String,
    otp: String,
) -> AppResult<SelfEnrollmentCompleted> {
    let now = deps.clock.now();
    let otp = otp.trim().to_owned();
    if otp.len() != 6 || !otp.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid(
            "otp",
            "must be the 6 digits the app shows",
        ));
    }
    let entry_id = genuine_entry(deps, &origin, now, &secret).await?;
    let counted = count_attempt(deps, entry_id, today(now)).await;
    let entry = record_if_rejected(deps, &origin, now, counted).await?;
    let totp_key = deps.key.open(
        "task_entries",
        &entry.id,
        entry.sealed_totp_key.as_deref().unwrap_or_default(),
    )?;
    let correct = crate::totp::verify(&totp_key, &otp, now.timestamp());
    let owned = deps.clone();
    let call_origin = origin.clone();
    let result = with_outbox(deps, Effect::Commit, move |tx| {
        let user = usable_user(tx, &entry)?;
        let ctx = self_service(&user, &call_origin);
        if !correct {
            return wrong_code(tx, &ctx, now, &user, &entry).map(Err);
        }
        finish_enrollment(tx, &owned, &ctx, now, &user, &entry).map(Ok)
    })
    .await;
    // A wrong code is recorded (committed) and then answered as an error.
    record_if_rejected(deps, &origin, now, result.and_then(|inner| inner)).await
}

/// Counts the attempt first, in its own transaction, so parallel guesses cannot exceed the cap;
/// answers the entry as counted.
async fn count_attempt(deps: &Deps, entry_id: String, today: NaiveDate) -> AppResult<EntryRow> {
    deps.db
        .write(move |conn| {
            let entry = entries::find(conn, &entry_id)?.ok_or_else(rejected)?;
            if entry.sealed_totp_key.is_none()
                || entry.effective_status(today) != EntryStatus::Active
            {
                return Err(rejected());
            }
            usable_user(conn, &entry)?;
            if entries::count_attempt(conn, &entry.id, today)? != 1 {
                return Err(rejected());
            }
            entries::find(conn, &entry.id)?.ok_or_else(rejected)
        })
        .await
}

/// Records a wrong code (locking the entry at the last attempt) and answers the refusal to give.
fn wrong_code(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    entry: &EntryRow,
) -> AppResult<AppError> {
    let locked = entry.attempts >= entry.max_attempts;
    if locked {
        entries::finish(tx, &entry.id, EntryStatus::Locked, now.naive_utc())?;
    }
    let detail = json!({"task": entry.task_number, "attempts": entry.attempts, "locked": locked});
    audit::record(tx, ctx, now, audit::failure("user", &user.id, Some(detail)))?;
    Ok(if locked {
        rejected()
    } else {
        AppError::Unprocessable {
            code: ErrorCode::InvalidOtp,
            message: format!(
                "the code is wrong; {} attempts left",
                entry.max_attempts - entry.attempts
            ),
        }
    })
}

/// Completes the entry and enrolls the token (with the user's notice).
fn finish_enrollment(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    user: &user_rows::UserRow,
    entry: &EntryRow,
) -> AppResult<SelfEnrollmentCompleted> {
    if entries::finish(tx, &entry.id, EntryStatus::Completed, now.naive_utc())? != 1 {
        return Err(rejected());
    }
    let serial = entry.serial.clone().unwrap_or_default();
    let enrolling = enrollments::Enrolling {
        address: &serial,
        method: "self-enrollment",
        detail: Some(json!({"task": entry.task_number, "serial": serial})),
    };
    let enrollment = enrollments::add(tx, deps, ctx, now, user, "software-token", enrolling)?;
    Ok(SelfEnrollmentCompleted {
        serial,
        enrollment_id: enrollment.id,
    })
}
