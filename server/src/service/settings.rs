//! Policies stored in the `settings` table.

use serde_json::json;

use super::{Context, audit, transaction};
use crate::auth::scopes::Scope;
use crate::db::{Db, DbConn, settings};
use crate::error::{AppError, AppResult};
use crate::model::enrollments::IdentityVerificationSettings;

const IDENTITY_VERIFICATION: &str = "identity_verification";

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
        return Err(AppError::invalid("window_minutes", "must be between 5 and 60"));
    }
    let ctx = ctx.clone();
    db.run(move |conn| {
        transaction(conn, dry_run, |tx| {
            let text = serde_json::to_string(&input).map_err(AppError::internal)?;
            settings::put(tx, IDENTITY_VERIFICATION, &text, now.naive_utc(), &ctx.operator.id)?;
            let detail = json!({"enforce": input.enforce, "window_minutes": input.window_minutes});
            audit::record(tx, &ctx, now, audit::success("setting", IDENTITY_VERIFICATION, Some(detail)))?;
            Ok(input)
        })
    })
    .await
}
