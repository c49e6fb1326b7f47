//! What the services use, and nothing of HTTP: the database, the clock, the configuration, the
//! server key, the base URL of links, and the outbox wake-up. Cheap to clone (shared parts), so a
//! service moves a clone into its transaction on the blocking pool.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::ServerKey;
use crate::db::Db;

/// The outbox channels, each relayed by its own loop so a slow mail server never holds up SMS (or
/// back).
pub const CHANNELS: [&str; 2] = ["email", "sms"];

/// Wakes this process's outbox relay loops after a commit that queued messages: one signal per
/// channel, so a wake-up (which `Notify` keeps for one waiter) never goes to the other channel's loop.
#[derive(Clone, Default)]
pub struct OutboxWakeup(Arc<[tokio::sync::Notify; CHANNELS.len()]>);

impl OutboxWakeup {
    /// Wakes every channel's loop.
    pub fn wake(&self) {
        for channel in self.0.iter() {
            channel.notify_one();
        }
    }

    /// Resolves when the loop of `CHANNELS[index]` is woken.
    pub async fn woken(&self, index: usize) {
        if let Some(channel) = self.0.get(index) {
            channel.notified().await;
        }
    }
}

/// What every service function receives.
#[derive(Clone)]
pub struct Deps {
    /// The database.
    pub db: Db,
    /// The current time.
    pub clock: Clock,
    /// The configuration the server runs with.
    pub config: Arc<Config>,
    /// Keys derived from the server key (code hashes, sealed values, link secrets).
    pub key: Arc<ServerKey>,
    /// Base URL of links (no trailing slash).
    pub public_url: Arc<str>,
    /// Wakes the outbox relay.
    pub outbox: OutboxWakeup,
}
