//! The user's side of a registration session: the app presents the secret, the session is consumed
//! (exactly one of any number of concurrent attempts wins) and a `mobile-app` enrollment is created.
//! Wrong, used, removed and expired secrets all get the same answer; failures are rate-limited per
//! source address and audited.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::enrollments::{self, Notices};
use super::registration_sessions::session_of_secret;
use super::validate::Checks;
use super::{Context, audit, users, with_outbox};
use crate::auth::Operator;
use crate::db::{rate_limits, registration_sessions as rows};
use crate::error::{AppError, AppResult};
use crate::model::registration_sessions::{AppRegistration, AppRegistrationResult};
use crate::state::AppState;

/// Failed attempts allowed per source address in each 15-minute window.
pub const FAILURES_PER_WINDOW: i32 = 10;
const WINDOW_SECONDS: i64 = 15 * 60;

fn rejected() -> AppError {
    AppError::Unprocessable {
        code: "invalid_registration_secret",
        message: "this registration link does not work: it is wrong, already used, removed or expired; ask the service desk for a new one".into(),
    }
}

/// Where the request comes from, for the rate limit and the audit log.
pub struct Origin {
    /// The request id.
    pub request_id: String,
    /// The operationId.
    pub operation_id: &'static str,
    /// The source address.
    pub source: String,
}

fn window(now: DateTime<Utc>) -> (i64, u64) {
    let start = now.timestamp() - now.timestamp().rem_euclid(WINDOW_SECONDS);
    (start, u64::try_from(start + WINDOW_SECONDS - now.timestamp()).unwrap_or(1).max(1))
}

/// `SHA256:<base64>` of a base64 public key.
fn fingerprint(public_key: &str) -> Result<String, String> {
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(public_key.trim()).map_err(|_| "must be base64".to_owned())?;
    if bytes.is_empty() || bytes.len() > 4096 {
        return Err("must be 1 to 4096 bytes".into());
    }
    Ok(format!("SHA256:{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(&bytes))))
}

/// Registers the app with a session secret.
pub async fn register(state: &AppState, origin: Origin, input: AppRegistration) -> AppResult<AppRegistrationResult> {
    let mut checks = Checks::default();
    let device_name = checks.text("device_name", &input.device_name, 100);
    let platform = checks.text("platform", &input.platform, 40);
    let key_fingerprint = match &input.public_key {
        Some(key) => fingerprint(key).map_err(|m| checks.fail("public_key", m)).ok(),
        None => None,
    };
    if !checks.errors.is_empty() {
        return Err(AppError::Invalid(checks.errors));
    }
    let now = state.clock.now();
    let (window_start, retry_after) = window(now);
    let limit_key = format!("app-registration-failures:{}", origin.source);
    let failures_key = limit_key.clone();
    let failures =
        state.db.run(move |conn| rate_limits::count(conn, &failures_key, window_start).map_err(AppError::from)).await?;
    if failures >= FAILURES_PER_WINDOW {
        return Err(AppError::RateLimited { retry_after });
    }
    let session_id = session_of_secret(&state.key, &input.secret);
    let key = state.key.clone();
    let config = state.config.clone();
    let request_id = origin.request_id.clone();
    let operation_id = origin.operation_id;
    let attempt = with_outbox(state, false, move |tx| {
        let session_id = session_id.ok_or_else(rejected)?;
        let session = rows::find(tx, &session_id)?.ok_or_else(rejected)?;
        if rows::consume(tx, &session.id, now.naive_utc())? != 1 {
            return Err(rejected());
        }
        let user = users::find_required(tx, &session.user_id)?;
        let ctx = Context {
            operator: Operator {
                id: user.id.clone(),
                name: Some(user.display_name.clone()),
                scopes: Default::default(),
            },
            request_id,
            operation_id,
            self_service: true,
        };
        let mut enrollment = enrollments::add(tx, &ctx, now, &user, "mobile-app", &device_name, "app")?;
        let detail = json!({"platform": platform, "key_fingerprint": key_fingerprint, "session": session.id});
        crate::db::enrollments::set_detail(tx, &enrollment.id, &detail.to_string())?;
        enrollment.detail = Some(detail.to_string());
        rows::set_enrollment(tx, &session.id, &enrollment.id)?;
        enrollments::queue_notice(
            tx,
            Notices { key: &key, config: &config },
            &ctx,
            now,
            &user,
            &enrollment,
            "enrollment-added",
        )?;
        Ok(AppRegistrationResult { enrollment_id: enrollment.id, key_fingerprint: key_fingerprint.clone() })
    })
    .await;
    if let Err(AppError::Unprocessable { code: "invalid_registration_secret", .. }) = &attempt {
        state
            .db
            .run(move |conn| rate_limits::take(conn, &limit_key, window_start, i32::MAX).map_err(AppError::from))
            .await?;
        let detail = json!({"reason": "invalid registration secret", "source": origin.source});
        let outcome = audit::Outcome::Failure;
        audit::record_outside_request(&state.db, now, None, operation_id, &origin.request_id, outcome, detail).await?;
    }
    attempt
}
