//! Policies stored in the `settings` table.

use serde_json::json;

use super::{Context, audit, transaction};
use crate::auth::scopes::Scope;
use crate::db::{Db, DbConn, settings};
use crate::error::{AppError, AppResult};
use crate::model::enrollments::IdentityVerificationSettings;
use crate::model::provisioning::SelfEnrollmentPolicy;

const IDENTITY_VERIFICATION: &str = "identity_verification";
const SELF_ENROLLMENT: &str = "self_enrollment_policy";

/// The identity-verification policy in force.
pub fn identity_verification(conn: &mut DbConn) -> AppResult<IdentityVerificationSettings> {
    Ok(settings::get(conn, IDENTITY_VERIFICATION)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Reads the identity-verification policy.
pub async fn get_identity_verification(db: &Db) -> AppResult<IdentityVerificationSettings> {
    db.run(identity_verification).await
}

/// Changes the identity-verification policy.
pub async fn put_identity_verification(
    db: &Db,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    input: IdentityVerificationSettings,
    dry_run: bool,
) -> AppResult<IdentityVerificationSettings> {
    ctx.operator.require(Scope::SettingsWrite)?;
    if !(5..=60).contains(&input.window_minutes) {
        return Err(AppError::invalid(
            "window_minutes",
            "must be between 5 and 60",
        ));
    }
    let ctx = ctx.clone();
    db.run(move |conn| {
        transaction(conn, dry_run, |tx| {
            let text = serde_json::to_string(&input).map_err(AppError::internal)?;
            settings::put(
                tx,
                IDENTITY_VERIFICATION,
                &text,
                now.naive_utc(),
                &ctx.operator.id,
            )?;
            let detail = json!({"enforce": input.enforce, "window_minutes": input.window_minutes});
            audit::record(
                tx,
                &ctx,
                now,
                audit::success("setting", IDENTITY_VERIFICATION, Some(detail)),
            )?;
            Ok(input)
        })
    })
    .await
}

/// The self-enrollment policy in force.
pub fn self_enrollment(conn: &mut DbConn) -> AppResult<SelfEnrollmentPolicy> {
    Ok(settings::get(conn, SELF_ENROLLMENT)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default())
}

/// Reads the self-enrollment policy.
pub async fn get_self_enrollment(db: &Db, ctx: &Context) -> AppResult<SelfEnrollmentPolicy> {
    ctx.operator.require(Scope::ProvisioningRead)?;
    db.run(self_enrollment).await
}

/// Changes the self-enrollment policy.
pub async fn put_self_enrollment(
    db: &Db,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    input: SelfEnrollmentPolicy,
    dry_run: bool,
) -> AppResult<SelfEnrollmentPolicy> {
    ctx.operator.require(Scope::SettingsWrite)?;
    let mut errors = Vec::new();
    if !(1..=365).contains(&input.validity_days) {
        errors.push(crate::error::FieldError::new(
            "validity_days",
            "must be between 1 and 365",
        ));
    }
    if !(1..=20).contains(&input.max_attempts) {
        errors.push(crate::error::FieldError::new(
            "max_attempts",
            "must be between 1 and 20",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let ctx = ctx.clone();
    db.run(move |conn| {
        transaction(conn, dry_run, |tx| {
            let text = serde_json::to_string(&input).map_err(AppError::internal)?;
            settings::put(
                tx,
                SELF_ENROLLMENT,
                &text,
                now.naive_utc(),
                &ctx.operator.id,
            )?;
            let detail =
                json!({"validity_days": input.validity_days, "max_attempts": input.max_attempts});
            audit::record(
                tx,
                &ctx,
                now,
                audit::success("setting", SELF_ENROLLMENT, Some(detail)),
            )?;
            Ok(input)
        })
    })
    .await
}
