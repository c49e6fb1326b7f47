//! Viewing, changing and previewing notification templates.

mod render;
mod shipped;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod snapshots;

pub use render::{SmsLength, TemplateParts, placeholders, render, sample_values, sms_length};
pub use shipped::{QR_CID, TemplateSpec, spec, specs};

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::db::notification_templates::{self as rows, NotificationTemplateRow};
use crate::db::{Db, DbConn};
use crate::error::AppResult;
use crate::model::templates::{
    NotificationTemplate, NotificationTemplateList, PreviewNotificationTemplate,
    RenderedNotification, SmsAnalysis, UpdateNotificationTemplate,
};
use crate::service::mutation::{Effect, Mode};
use crate::service::versions;
use crate::service::{Context, audit, notifications, write};

fn analysis(spec: &TemplateSpec, text: &str) -> Option<SmsAnalysis> {
    (spec.channel == "sms").then(|| {
        let length = sms_length(text);
        SmsAnalysis {
            encoding: length.encoding.to_owned(),
            length: u32::try_from(length.units).unwrap_or(u32::MAX),
            single_sms_limit: u32::try_from(length.single_limit).unwrap_or(0),
            segments: u32::try_from(length.segments).unwrap_or(u32::MAX),
            over_limit: length.segments > 1,
        }
    })
}

fn to_model(
    spec: &TemplateSpec,
    parts: TemplateParts,
    stored: Option<&NotificationTemplateRow>,
) -> NotificationTemplate {
    let rendered = render(&parts, &sample_values());
    NotificationTemplate {
        service: spec.service.to_owned(),
        channel: spec.channel.to_owned(),
        event: spec.event.to_owned(),
        description: spec.description.to_owned(),
        sms: analysis(spec, &rendered.text),
        subject: parts.subject,
        text: parts.text,
        html: parts.html,
        placeholders: spec.allowed.iter().map(|p| (*p).to_owned()).collect(),
        required_placeholders: spec.required.iter().map(|p| (*p).to_owned()).collect(),
        customized: stored.is_some(),
        updated_at: stored.map(|row| row.updated_at.and_utc()),
        updated_by: stored.and_then(|row| row.updated_by.clone()),
    }
}

fn load(conn: &mut DbConn, spec: &TemplateSpec) -> AppResult<NotificationTemplate> {
    let (parts, stored) = notifications::current_parts(conn, spec)?;
    Ok(to_model(spec, parts, stored.as_ref()))
}

/// Every template, customized or shipped.
pub async fn list(db: &Db) -> AppResult<NotificationTemplateList> {
    db.read(|conn| {
        let stored = rows::list(conn)?;
        let items = specs()
            .map(|spec| {
                let row = stored.iter().find(|r| {
                    r.service_id == spec.service
                        && r.channel == spec.channel
                        && r.event == spec.event
                });
                let parts = match row {
                    Some(r) => TemplateParts {
                        subject: r.subject.clone(),
                        text: r.body_text.clone(),
                        html: r.body_html.clone(),
                    },
                    None => spec.default_parts(),
                };
                to_model(spec, parts, row)
            })
            .collect();
        Ok(NotificationTemplateList { items })
    })
    .await
}

/// One template.
pub async fn get(db: &Db, key: (String, String, String)) -> AppResult<NotificationTemplate> {
    let spec = spec(&key.0, &key.1, &key.2)?;
    db.read(move |conn| load(conn, spec)).await
}

/// Replaces a template after checking its placeholders; with `If-Match`, only over that version.
pub async fn update(
    db: &Db,
    ctx: &Context,
    now: DateTime<Utc>,
    key: (String, String, String),
    input: UpdateNotificationTemplate,
    mode: Mode,
) -> AppResult<NotificationTemplate> {
    let spec = spec(&key.0, &key.1, &key.2)?;
    let parts = TemplateParts {
        subject: input.subject,
        text: input.text,
        html: input.html,
    };
    spec.check(&parts)?;
    let ctx = ctx.clone();
    write(db, Effect::of(mode.dry_run), move |tx| {
        versions::require_current(mode.if_match.as_deref(), || load(tx, spec))?;
        rows::put(
            tx,
            &NotificationTemplateRow {
                service_id: spec.service.to_owned(),
                channel: spec.channel.to_owned(),
                event: spec.event.to_owned(),
                subject: parts.subject.clone(),
                body_text: parts.text.clone(),
                body_html: parts.html.clone(),
                updated_at: now.naive_utc(),
                updated_by: Some(ctx.actor.id().to_owned()),
            },
        )?;
        let target = format!("{}/{}/{}", spec.service, spec.channel, spec.event);
        audit::record(
            tx,
            &ctx,
            now,
            audit::success(
                "notification_template",
                &target,
                Some(json!({"customized": true})),
            ),
        )?;
        load(tx, spec)
    })
    .await
}

/// Renders a draft (or the template in force) with sample values.
pub async fn preview(
    db: &Db,
    key: (String, String, String),
    draft: PreviewNotificationTemplate,
) -> AppResult<RenderedNotification> {
    let spec = spec(&key.0, &key.1, &key.2)?;
    let (current, _) = db
        .read(move |conn| notifications::current_parts(conn, spec))
        .await?;
    let is_draft = draft.subject.is_some() || draft.text.is_some() || draft.html.is_some();
    let parts = if is_draft {
        TemplateParts {
            subject: draft.subject.or(current.subject),
            text: draft.text.unwrap_or(current.text),
            html: draft.html.or(current.html),
        }
    } else {
        current
    };
    spec.check(&parts)?;
    let content = render(&parts, &sample_values());
    Ok(RenderedNotification {
        sms: analysis(spec, &content.text),
        subject: content.subject,
        html: content.html,
        text: content.text,
    })
}
