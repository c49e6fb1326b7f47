//! The identity services catalogue: stored settings plus what the configuration provides.

use std::sync::Arc;

use serde_json::json;

use super::{Context, audit, write};
use crate::config::Config;
use crate::db::identity_services::{self, IdentityServiceChanges, IdentityServiceRow};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::model::identity_services::{
    IdentityService, IdentityServiceList, UpdateIdentityService,
};
use crate::service::mutation::{Effect, Mode};
use crate::service::versions;

/// Why a service cannot work with this configuration, if it cannot.
pub fn not_configured_reason(config: &Config, service_id: &str) -> Option<String> {
    match service_id {
        "personal-email" if config.smtp_url.is_none() && config.outbox_dir.is_none() => {
            Some("no SMTP server set (ENROLLD_SMTP_URL)".into())
        }
        "mobile-code" if config.sms_gateway_url.is_none() && config.outbox_dir.is_none() => {
            Some("no SMS gateway set (ENROLLD_SMS_GATEWAY_URL)".into())
        }
        _ => None,
    }
}

fn to_model(config: &Config, row: IdentityServiceRow) -> IdentityService {
    let reason = not_configured_reason(config, &row.id);
    IdentityService {
        configured: reason.is_none(),
        not_configured_reason: reason,
        id: row.id,
        name: row.display_name,
        enabled: row.enabled,
        agent_can_enroll: row.agent_can_enroll,
        removable: row.removable,
        updated_at: row.updated_at.and_utc(),
        updated_by: row.updated_by,
    }
}

/// Every service.
pub async fn list(db: &Db, config: &Config) -> AppResult<IdentityServiceList> {
    let rows = db
        .read(|conn| identity_services::list(conn).map_err(AppError::from))
        .await?;
    Ok(IdentityServiceList {
        items: rows.into_iter().map(|row| to_model(config, row)).collect(),
    })
}

/// One service.
pub async fn get(db: &Db, config: &Config, id: String) -> AppResult<IdentityService> {
    let row = db.read(move |conn| find(conn, &id)).await?;
    Ok(to_model(config, row))
}

fn find(conn: &mut DbConn, id: &str) -> AppResult<IdentityServiceRow> {
    identity_services::find(conn, id)?.ok_or_else(|| AppError::NotFound {
        kind: "identity service",
        id: id.to_owned(),
    })
}

/// Changes a service's settings; with `If-Match`, only if it still has that version.
pub async fn update(
    db: &Db,
    config: &Arc<Config>,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    id: String,
    input: UpdateIdentityService,
    mode: Mode,
) -> AppResult<IdentityService> {
    let ctx = ctx.clone();
    let shown = config.clone();
    let row = write(db, Effect::of(mode.dry_run), move |tx| {
        let row = find(tx, &id)?;
        versions::require_current(mode.if_match.as_deref(), || Ok(to_model(&shown, row)))?;
        let changes = IdentityServiceChanges {
            enabled: input.enabled,
            agent_can_enroll: input.agent_can_enroll,
            removable: input.removable,
            updated_at: Some(now.naive_utc()),
            updated_by: Some(Some(ctx.actor.id().to_owned())),
        };
        identity_services::update(tx, &id, &changes)?;
        let detail = json!({
            "enabled": input.enabled, "agent_can_enroll": input.agent_can_enroll, "removable": input.removable
        });
        audit::record(tx, &ctx, now, audit::success("identity_service", &id, Some(detail)))?;
        find(tx, &id)
    })
    .await?;
    Ok(to_model(config, row))
}
