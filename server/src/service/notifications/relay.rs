//! The outbox relay: every server process runs it in the background (one loop per channel, started by
//! `background`); each round claims due notifications with a lease, delivers them, and records the
//! outcome. Failed deliveries are retried with exponential backoff
//! and jitter; a message past its `not_after` is marked `expired` instead of being sent.

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::db::notifications::{self as notification_rows, NotificationRow};
use crate::delivery::{Deliverer, Undelivered};
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

/// 5 s doubled `step` times, at most `longest` seconds.
fn doubling_from_five_seconds(step: u32, longest: i64) -> i64 {
    5_i64.saturating_mul(1_i64 << step.min(20)).min(longest)
}

/// The delay before attempt `attempts + 1`: 5 s doubling to at most 15 min, ±20 % jitter.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let base = doubling_from_five_seconds(attempts.max(0).unsigned_abs(), 900);
    let jitter = rand::rng().random_range(0.8..1.2);
    chrono::Duration::milliseconds((base as f64 * 1000.0 * jitter) as i64)
}

/// The longest a channel waits for its server to come back before trying again.
const LONGEST_PAUSE_SECONDS: i64 = 300;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Messages handled (sent, failed, expired or put back for a retry).
    pub handled: usize,
    /// The round stopped because the channel's server could not be reached.
    pub server_unreachable: bool,
}

/// A channel's wait for its server: while the server cannot be reached, rounds stop at the first
/// message that finds it so (so an outage costs one attempt per wait instead of one per message
/// and two writes each), and the next round waits 5 s, doubling to 5 min, by the service clock.
#[derive(Debug, Default)]
pub struct Pause {
    until: Option<DateTime<Utc>>,
    streak: u32,
}

impl Pause {
    /// Whether a round may run at `now`.
    pub fn over(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| now >= until)
    }

    /// Takes a round's outcome into account; answers the wait it starts, if any.
    pub fn after(&mut self, round: Round, now: DateTime<Utc>) -> Option<chrono::Duration> {
        if !round.server_unreachable {
            *self = Self::default();
            return None;
        }
        let seconds = doubling_from_five_seconds(self.streak, LONGEST_PAUSE_SECONDS);
        self.streak += 1;
        let wait = chrono::Duration::seconds(seconds);
        self.until = Some(now + wait);
        Some(wait)
    }
}

/// One round for one channel: finds the due messages, then claims and delivers them one at a time,
/// each with the time of its own claim (a round may take minutes when a server is slow, so a time
/// taken once per round would let leases lapse and expired codes go out). Stops early when the
/// channel's server cannot be reached.
pub async fn run_once(
    deps: &Deps,
    deliverer: &Deliverer,
    owner: &str,
    channel: &'static str,
) -> Result<Round, AppError> {
    let now = deps.clock.now();
    let ids = deps
        .db
        .read(move |conn| {
            notification_rows::due(conn, now.naive_utc(), BATCH, channel).map_err(AppError::from)
        })
        .await?;
    let mut round = Round::default();
    for id in ids {
        let owner_id = owner.to_owned();
        let now = deps.clock.now();
        let until = now + chrono::Duration::seconds(LEASE_SECONDS);
        let claimed = deps
            .db
            .write(move |conn| {
                notification_rows::claim(conn, &id, &owner_id, now.naive_utc(), until.naive_utc())
                    .map_err(AppError::from)
            })
            .await?;
        if let Some(row) = claimed {
            round.server_unreachable = handle(deps, deliverer, owner, row).await?;
            round.handled += 1;
            if round.server_unreachable {
                break;
            }
        }
    }
    Ok(round)
}

/// Delivers one claimed message and records the outcome; answers whether its server was unreachable.
async fn handle(
    deps: &Deps,
    deliverer: &Deliverer,
    owner: &str,
    row: NotificationRow,
) -> Result<bool, AppError> {
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
            .write(move |conn| {
                notification_rows::finish(
                    conn,
                    &id,
                    &owner,
                    NotificationStatus::Expired,
                    now.naive_utc(),
                    Some("expired before delivery"),
                )
                .map(|_| false)
                .map_err(AppError::from)
            })
            .await;
    }
    let outcome = match open(deps, &row) {
        Ok(content) => {
            let recipient = content.recipient.as_deref().unwrap_or(&row.recipient);
            deliverer.deliver(&row.channel, recipient, &content).await
        }
        Err(error) => Err(Undelivered::from(error)),
    };
    let unreachable = outcome.as_ref().is_err_and(|e| e.server_unreachable);
    let outcome = outcome.map_err(|e| e.reason);
    let attempts = row.attempts;
    let now = deps.clock.now();
    deps
        .db
        .write(move |conn| {
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
            done.map(|_| unreachable).map_err(AppError::from)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_server_pauses_the_channel_doubling_to_five_minutes_until_a_round_reaches_it()
    {
        let now = Utc::now();
        let down = Round {
            handled: 1,
            server_unreachable: true,
        };
        let mut pause = Pause::default();
        assert!(pause.over(now));
        let waits: Vec<i64> = (0..9)
            .map(|_| pause.after(down, now).map_or(0, |w| w.num_seconds()))
            .collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert!(!pause.over(now + chrono::Duration::seconds(299)));
        assert!(pause.over(now + chrono::Duration::seconds(300)));
        assert_eq!(pause.after(Round::default(), now), None);
        assert!(pause.over(now));
        assert_eq!(pause.after(down, now), Some(chrono::Duration::seconds(5)));
    }
}
