//! The user's side of a registration session: the app presents the secret, the session is consumed
//! (exactly one of any number of concurrent attempts wins) and a `mobile-app` enrollment is created.
//! Wrong, used, removed and expired secrets all get the same answer; failures are rate-limited per
//! source address and audited.

use base64::Engine;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Deps;
use super::enrollments;
use super::public_limits::{self, Origin};
use super::registration_sessions::session_of_secret;
use super::validate::Checks;
use super::{Context, users, with_outbox};
use crate::db::registration_sessions as rows;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::registration_sessions::{AppRegistration, AppRegistrationResult};
use crate::service::mutation::Effect;

fn rejected() -> AppError {
    AppError::Unprocessable {
        code: ErrorCode::InvalidRegistrationSecret,
        message: "this registration link does not work: it is wrong, already used, removed or expired; ask the service desk for a new one".into(),
    }
}

const LIMIT: &str = "app-registration";

/// `SHA256:<base64>` of a base64 public key.
fn fingerprint(public_key: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(public_key.trim())
        .map_err(|_| "must be base64".to_owned())?;
    if bytes.is_empty() || bytes.len() > 4096 {
        return Err("must be 1 to 4096 bytes".into());
    }
    Ok(format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(&bytes))
    ))
}

/// Registers the app with a session secret.
pub async fn register(
    deps: &Deps,
    origin: Origin,
    input: AppRegistration,
) -> AppResult<AppRegistrationResult> {
    let mut checks = Checks::default();
    let device_name = checks.text("device_name", &input.device_name, 100);
    let platform = checks.text("platform", &input.platform, 40);
    let key_fingerprint = match &input.public_key {
        Some(key) => fingerprint(key)
            .map_err(|m| checks.fail("public_key", m))
            .ok(),
        None => None,
    };
    checks.finish()?;
    let now = deps.clock.now();
    let Some(session_id) = session_of_secret(&deps.key, &input.secret) else {
        let detail = json!({"reason": "invalid registration secret"});
        public_limits::count_bogus(deps, LIMIT, &origin, now, detail).await?;
        return Err(rejected());
    };
    let owned = deps.clone();
    let request_id = origin.request_id.clone();
    let operation_id = origin.operation_id;
    let attempt = with_outbox(deps, Effect::Commit, move |tx| {
        let session = rows::find(tx, &session_id)?.ok_or_else(rejected)?;
        // The user and the service are checked now, not only when the session was made.
        let user = users::find_required(tx, &session.user_id)?;
        enrollments::require_may_enroll(tx, &user, "mobile-app").map_err(|_| rejected())?;
        if rows::consume(tx, &session.id, now.naive_utc())? != 1 {
            return Err(rejected());
        }
        let ctx = Context {
            actor: super::Actor::User {
                id: user.id.clone(),
                name: user.display_name.clone(),
            },
            request_id,
            operation_id,
        };
        let enrolling = enrollments::Enrolling {
            address: &device_name,
            method: "app",
            detail: Some(json!({"platform": platform, "key_fingerprint": key_fingerprint, "session": session.id})),
        };
        let enrollment = enrollments::add(tx, &owned, &ctx, now, &user, "mobile-app", enrolling)?;
        rows::set_enrollment(tx, &session.id, &enrollment.id)?;
        Ok(AppRegistrationResult { enrollment_id: enrollment.id, key_fingerprint: key_fingerprint.clone() })
    })
    .await;
    if let Err(AppError::Unprocessable {
        code: ErrorCode::InvalidRegistrationSecret,
        ..
    }) = &attempt
    {
        public_limits::record_failure(
            deps,
            LIMIT,
            &origin,
            now,
            json!({"reason": "invalid registration secret"}),
        )
        .await?;
    }
    attempt
}
