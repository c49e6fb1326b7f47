//! The outbox relay: every server process runs it in the background (one loop per channel, started by
//! `background`); each round claims due notifications with a lease, delivers them, and records the
//! outcome. Failed deliveries are retried with exponential backoff
//! and jitter; a message past its `not_after` is marked `expired` instead of being sent.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::db::notifications::{self as notification_rows, NotificationRow};
use crate::delivery::Deliverer;
use crate::error::AppError;
use crate::model::messages::Content;
use crate::service::Deps;
use crate::states::NotificationStatus;

/// How long a claimed message is reserved for this process.
const LEASE_SECONDS: i64 = 120;
/// Attempts before a message without a deadline is given up as `failed`.
const MAX_ATTEMPTS: i32 = 12;
/// Messages claimed per round.
const BATCH: i64 = 20;

/// The delay before attempt `attempts + 1`: 5 s doubling to at most 15 min, ±20 % jitter.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let base = 5_i64
        .saturating_mul(1_i64 << attempts.clamp(0, 20))
        .min(900);
    let jitter = rand::rng().random_range(0.8..1.2);
    chrono::Duration::milliseconds((base as f64 * 1000.0 * jitter) as i64)
}

/// One round for one channel: finds the due messages, then claims and delivers them one at a time,
/// each with the time of its own claim (a round may take minutes when a server is slow, so a time
/// taken once per round would let leases lapse and expired codes go out). Returns how many were
/// handled.
pub async fn run_once(
    deps: &Deps,
    deliverer: &Deliverer,
    owner: &str,
    channel: &'static str,
) -> Result<usize, AppError> {
    let now = deps.clock.now();
    let ids = deps
        .db
        .run(move |conn| {
            notification_rows::due(conn, now.naive_utc(), BATCH, channel).map_err(AppError::from)
        })
        .await?;
    let mut handled = 0;
    for id in ids {
        let owner_id = owner.to_owned();
        let now = deps.clock.now();
        let until = now + chrono::Duration::seconds(LEASE_SECONDS);
        let claimed = deps
            .db
            .run(move |conn| {
                notification_rows::claim(conn, &id, &owner_id, now.naive_utc(), until.naive_utc())
                    .map_err(AppError::from)
            })
            .await?;
        if let Some(row) = claimed {
            handle(deps, deliverer, owner, row).await?;
            handled += 1;
        }
    }
    Ok(handled)
}

async fn handle(
    deps: &Deps,
    deliverer: &Deliverer,
    owner: &str,
    row: NotificationRow,
) -> Result<(), AppError> {
    let id = row.id.clone();
    let owner = owner.to_owned();
    // The deadline is checked right before sending, with the time now.
    let now: DateTime<Utc> = deps.clock.now();
    if row
        .not_after
        .is_some_and(|deadline| now.naive_utc() >= deadline)
    {
        tracing::info!(notification.id = %id, "notification expired before it could be delivered");
        return deps
            .db
            .run(move |conn| {
                notification_rows::finish(
                    conn,
                    &id,
                    &owner,
                    NotificationStatus::Expired,
                    now.naive_utc(),
                    Some("expired before delivery"),
                )
                .map(|_| ())
                .map_err(AppError::from)
            })
            .await;
    }
    let outcome = match open(deps, &row) {
        Ok(content) => {
            let recipient = content.recipient.as_deref().unwrap_or(&row.recipient);
            deliverer.deliver(&row.channel, recipient, &content).await
        }
        Err(error) => Err(error),
    };
    let attempts = row.attempts;
    let now = deps.clock.now();
    deps
        .db
        .run(move |conn| {
            let done = match outcome {
                Ok(()) => notification_rows::finish(conn, &id, &owner, NotificationStatus::Sent, now.naive_utc(), None),
                Err(error) if attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(notification.id = %id, %error, "notification failed for good");
                    notification_rows::finish(conn, &id, &owner, NotificationStatus::Failed, now.naive_utc(), Some(&error))
                }
                Err(error) => {
                    tracing::info!(notification.id = %id, %error, attempts = attempts + 1, "delivery failed; will retry");
                    let next = now + backoff(attempts);
                    notification_rows::retry_later(conn, &id, &owner, next.naive_utc(), &error)
                }
            };
            done.map(|_| ()).map_err(AppError::from)
        })
        .await
}

fn open(deps: &Deps, row: &NotificationRow) -> Result<Content, String> {
    let sealed = row
        .sealed_content
        .as_deref()
        .ok_or("the message has no content")?;
    let bytes = deps.key.open("notifications", &row.id, sealed)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("unreadable message content: {e}"))
}
