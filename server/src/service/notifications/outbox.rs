//! Queuing messages in the outbox, inside the transaction of the change that causes them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::crypto::ServerKey;
use crate::db::notifications::{self as notification_rows, NotificationRow};
use crate::db::{DbConn, notification_templates as template_rows};
use crate::error::{AppError, AppResult};
use crate::model::messages::InlineImage;
use crate::service::notification_templates::{TemplateParts, TemplateSpec};
use crate::states::NotificationStatus;

/// Messages this process has added to the outbox since it started, committed or not. A change
/// compares it before and after its transaction to know whether it queued anything for the relay
/// to be woken for ([`queued_so_far`]); another change's messages in between only cause a
/// harmless extra wake-up, and none is ever missed.
static QUEUED: AtomicU64 = AtomicU64::new(0);

/// How many messages this process has queued so far (see [`QUEUED`]).
pub fn queued_so_far() -> u64 {
    QUEUED.load(Ordering::Acquire)
}

fn insert(conn: &mut DbConn, rows: &[NotificationRow]) -> AppResult<()> {
    notification_rows::insert(conn, rows)?;
    QUEUED.fetch_add(rows.len() as u64, Ordering::Release);
    Ok(())
}

/// A message to queue.
pub struct Outgoing<'a> {
    /// The user it concerns.
    pub user_id: Option<&'a str>,
    /// Where it goes (an email address or an E.164 number, by the spec's channel).
    pub recipient: &'a str,
    /// Which template.
    pub spec: &'static TemplateSpec,
    /// Placeholder values.
    pub values: BTreeMap<&'static str, String>,
    /// Not to be sent after this (e.g. when the code in it expires).
    pub not_after: Option<DateTime<Utc>>,
    /// Images the HTML shows inline.
    pub inline_images: Vec<InlineImage>,
}

/// The template in force for a spec: the operator's override, or the shipped default.
pub fn current_parts(
    conn: &mut DbConn,
    spec: &TemplateSpec,
) -> AppResult<(
    TemplateParts,
    Option<template_rows::NotificationTemplateRow>,
)> {
    let stored = template_rows::find(conn, spec.service, spec.channel, spec.event)?;
    let parts = match &stored {
        Some(row) => TemplateParts {
            subject: row.subject.clone(),
            text: row.body_text.clone(),
            html: row.body_html.clone(),
        },
        None => spec.default_parts(),
    };
    Ok((parts, stored))
}

/// Renders and seals a message and adds it to the outbox.
pub fn queue(
    conn: &mut DbConn,
    key: &ServerKey,
    now: DateTime<Utc>,
    outgoing: Outgoing<'_>,
) -> AppResult<NotificationRow> {
    let (parts, _) = current_parts(conn, outgoing.spec)?;
    let row = sealed_row(key, now, &parts, outgoing, Recipient::InRow)?;
    insert(conn, std::slice::from_ref(&row))?;
    Ok(row)
}

/// Where a queued message's recipient is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// In the row, as given (operators see it masked).
    InRow,
    /// Only inside the sealed content; the row keeps it masked (an address given for one send only).
    SealedOnly,
}

/// Renders and seals many messages of one template and adds them in batches.
pub fn queue_many(
    conn: &mut DbConn,
    key: &ServerKey,
    now: DateTime<Utc>,
    spec: &'static TemplateSpec,
    messages: Vec<Outgoing<'_>>,
    recipient: Recipient,
) -> AppResult<Vec<NotificationRow>> {
    let (parts, _) = current_parts(conn, spec)?;
    let rows = messages
        .into_iter()
        .map(|outgoing| sealed_row(key, now, &parts, outgoing, recipient))
        .collect::<AppResult<Vec<_>>>()?;
    insert(conn, &rows)?;
    Ok(rows)
}

fn sealed_row(
    key: &ServerKey,
    now: DateTime<Utc>,
    parts: &TemplateParts,
    outgoing: Outgoing<'_>,
    recipient: Recipient,
) -> AppResult<NotificationRow> {
    let hide_recipient = recipient == Recipient::SealedOnly;
    let mut content = crate::service::notification_templates::render(parts, &outgoing.values);
    content.inline_images = outgoing.inline_images;
    if hide_recipient {
        content.recipient = Some(outgoing.recipient.to_owned());
    }
    let plaintext = serde_json::to_vec(&content).map_err(AppError::internal)?;
    let id = uuid::Uuid::now_v7().to_string();
    let sealed = key.seal("notifications", &id, &plaintext)?;
    Ok(NotificationRow {
        id,
        user_id: outgoing.user_id.map(str::to_owned),
        channel: outgoing.spec.channel.to_owned(),
        recipient: if hide_recipient {
            mask(outgoing.recipient)
        } else {
            outgoing.recipient.to_owned()
        },
        template: format!(
            "{}/{}/{}",
            outgoing.spec.service, outgoing.spec.channel, outgoing.spec.event
        ),
        sealed_content: Some(sealed),
        status: NotificationStatus::Pending,
        attempts: 0,
        next_attempt_at: now.naive_utc(),
        not_after: outgoing.not_after.map(|t| t.naive_utc()),
        lease_owner: None,
        lease_until: None,
        last_error: None,
        created_at: now.naive_utc(),
        sent_at: None,
    })
}

/// Hides most of an address for display: `b***@example.com`, `+15*******67`. Works on characters,
/// never bytes, so any text (a device name, an unusual address) can be masked without panicking.
pub fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    if address.starts_with('+') && chars.len() > 6 {
        let head: String = chars.iter().take(3).collect();
        let tail: String = chars.iter().skip(chars.len().saturating_sub(2)).collect();
        return format!("{head}{}{tail}", "*".repeat(chars.len().saturating_sub(5)));
    }
    address.to_owned()
}

/// A time as people read it in messages.
pub fn display_time(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::mask;
    use proptest::prelude::*;

    #[test]
    fn masks_addresses_and_odd_text() {
        assert_eq!(mask("bob@example.com"), "b***@example.com");
        assert_eq!(mask("+15551234567"), "+15*******67");
        assert_eq!(mask("+ééé"), "+ééé");
        assert_eq!(mask("+éééééé"), "+éé**éé");
        assert_eq!(mask("@x"), "***@x");
    }

    proptest! {
        #[test]
        fn masking_any_text_never_panics(text in any::<String>()) {
            let masked = mask(&text);
            if text.starts_with('+') && !text.contains('@') && text.chars().count() > 6 {
                prop_assert_eq!(masked.chars().count(), text.chars().count());
            }
        }
    }
}
