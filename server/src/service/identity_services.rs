//! The identity services catalogue: stored settings plus what the configuration provides.

use serde_json::json;

use super::{Context, audit, write};
use crate::config::Config;
use crate::db::Db;
use crate::db::identity_services::{self, IdentityServiceChanges, IdentityServiceRow};
use crate::error::{AppError, AppResult};
use crate::model::identity_services::{
    IdentityService, IdentityServiceList, UpdateIdentityService,
};
use crate::service::mutation::Effect;

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

/// Changes a service's settings.
pub async fn update(
    db: &Db,
    config: &Config,
    ctx: &Context,
    now: chrono::DateTime<chrono::Utc>,
    id: String,
    input: UpdateIdentityService,
    dry_run: bool,
) -> AppResult<IdentityService> {
    let ctx = ctx.clone();
    let row = write(db, Effect::of(dry_run), move |tx| {
                let changes = IdentityServiceChanges {
                    enabled: input.enabled,
                    agent_can_enroll: input.agent_can_enroll,
                    removable: input.removable,
                    updated_at: Some(now.naive_utc()),
                    updated_by: Some(Some(ctx.actor.id().to_owned())),
                };
                if identity_services::update(tx, &id, &changes)? == 0 {
                    return Err(AppError::NotFound { kind: "identity service", id });
                }
                let detail = json!({
                    "enabled": input.enabled, "agent_can_enroll": input.agent_can_enroll, "removable": input.removable
                });
                audit::record(tx, &ctx, now, audit::success("identity_service", &id, Some(detail)))?;
                identity_services::find(tx, &id)?.ok_or_else(|| AppError::internal("updated service vanished"))
            })
        .await?;
    Ok(to_model(config, row))
}
