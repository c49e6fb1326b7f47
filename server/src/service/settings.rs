//! Policies stored in the `settings` table, as JSON documents by key.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::{Context, audit, write};
use crate::db::{Db, DbConn, settings};
use crate::error::{AppError, AppResult, FieldError};
use crate::model::enrollments::IdentityVerificationSettings;
use crate::model::provisioning::SelfEnrollmentPolicy;
use crate::service::mutation::{Effect, Mode};
use crate::service::versions;

const IDENTITY_VERIFICATION: &str = "identity_verification";
const SELF_ENROLLMENT: &str = "self_enrollment_policy";

/// The policy stored under `key`, or its default.
fn load<T: DeserializeOwned + Default>(conn: &mut DbConn, key: &str) -> AppResult<T> {
    Ok(settings::get(conn, key)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Stores a policy (after `errors` came back empty), audited; with `If-Match`, only over that version.
async fn store<T: Serialize + DeserializeOwned + Default + Send + 'static>(
    db: &Db,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    key: &'static str,
    value: T,
    errors: Vec<FieldError>,
    mode: Mode,
) -> AppResult<T> {
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ctx = ctx.clone();
    write(db, Effect::of(mode.dry_run), move |tx| {
        versions::require_current(mode.if_match.as_deref(), || load::<T>(tx, key))?;
        let text = serde_json::to_string(&value).map_err(AppError::internal)?;
        settings::put(tx, key, &text, now.naive_utc(), ctx.actor.id())?;
        let detail = serde_json::from_str(&text).unwrap_or(json!({}));
        audit::record(tx, &ctx, now, audit::success("setting", key, Some(detail)))?;
        Ok(value)
    })
    .await
}

fn check_range(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: u32,
    range: std::ops::RangeInclusive<u32>,
) {
    if !range.contains(&value) {
        errors.push(FieldError::new(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ));
    }
}

/// The identity-verification policy in force.
pub fn identity_verification(conn: &mut DbConn) -> AppResult<IdentityVerificationSettings> {
    load(conn, IDENTITY_VERIFICATION)
}

/// Reads the identity-verification policy.
pub async fn get_identity_verification(db: &Db) -> AppResult<IdentityVerificationSettings> {
    db.read(identity_verification).await
}

/// Changes the identity-verification policy.
pub async fn update_identity_verification(
    db: &Db,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    input: IdentityVerificationSettings,
    mode: Mode,
) -> AppResult<IdentityVerificationSettings> {
    let mut errors = Vec::new();
    check_range(&mut errors, "window_minutes", input.window_minutes, 5..=60);
    store(db, ctx, now, IDENTITY_VERIFICATION, input, errors, mode).await
}

/// The self-enrollment policy in force.
pub fn self_enrollment(conn: &mut DbConn) -> AppResult<SelfEnrollmentPolicy> {
    load(conn, SELF_ENROLLMENT)
}

/// Reads the self-enrollment policy.
pub async fn get_self_enrollment_policy(db: &Db) -> AppResult<SelfEnrollmentPolicy> {
    db.read(self_enrollment).await
}

/// Changes the self-enrollment policy.
pub async fn update_self_enrollment_policy(
    db: &Db,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    input: SelfEnrollmentPolicy,
    mode: Mode,
) -> AppResult<SelfEnrollmentPolicy> {
    let mut errors = Vec::new();
    check_range(&mut errors, "validity_days", input.validity_days, 1..=365);
    check_range(&mut errors, "max_attempts", input.max_attempts, 1..=20);
    store(db, ctx, now, SELF_ENROLLMENT, input, errors, mode).await
}
