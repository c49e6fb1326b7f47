//! The work a server process does besides answering requests, started by [`crate::server`]: the
//! outbox relay (one loop per channel) and the sweep (expired entries, purges, the audit of refused
//! requests). Each loop calls services and ends at its next turn once `stopping` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::delivery::Deliverer;
use crate::service::deps::CHANNELS;
use crate::service::refusals::Tally;
use crate::service::{Deps, notifications, provisioning_tasks, purge, refusals};

/// How often the sweep runs when it has nothing more to do.
const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// Starts the outbox relay: one loop per channel, so a slow mail server never holds up SMS.
pub fn spawn_relay(deps: Deps, deliverer: Arc<Deliverer>, stopping: Arc<AtomicBool>) {
    for (index, channel) in CHANNELS.iter().enumerate() {
        let (deps, deliverer, stopping) = (deps.clone(), deliverer.clone(), stopping.clone());
        let owner = format!("relay-{}-{channel}", uuid::Uuid::new_v4().simple());
        let interval = Duration::from_millis(deps.config.outbox_poll_ms.max(10));
        tokio::spawn(async move {
            let mut pause = notifications::relay::Pause::default();
            while !stopping.load(Ordering::Relaxed) {
                let now = deps.clock.now();
                if pause.over(now) {
                    match notifications::relay::run_once(&deps, &deliverer, &owner, channel).await {
                        Ok(round) => {
                            if let Some(wait) = pause.after(round, now) {
                                tracing::warn!(
                                    channel,
                                    wait_seconds = wait.num_seconds(),
                                    "the channel's server cannot be reached; the relay waits before trying again"
                                );
                            }
                        }
                        Err(error) => tracing::warn!(%error, channel, "outbox relay round failed"),
                    }
                }
                tokio::select! {
                    _ = deps.outbox.woken(index) => {}
                    _ = tokio::time::sleep(interval) => {}
                }
            }
        });
    }
}

/// Starts the sweep. After each pass that found nothing more to expire, expired counters and
/// idempotency answers are purged and the refused requests of past minutes audited; then it sleeps.
pub fn spawn_sweep(deps: Deps, refused: Arc<Tally>, stopping: Arc<AtomicBool>) {
    tokio::spawn(async move {
        while !stopping.load(Ordering::Relaxed) {
            match provisioning_tasks::sweep::run_once(&deps).await {
                // More overdue entries may be waiting: go on at once.
                Ok(expired) if expired > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "expiry sweep failed"),
            }
            if let Err(error) = purge::run_once(&deps).await {
                tracing::warn!(%error, "purge of expired counters and idempotency keys failed");
            }
            let now = deps.clock.now();
            if let Err(error) = refusals::flush(&deps.db, &refused, now, refusals::Flush::Due).await
            {
                tracing::warn!(%error, "could not audit the refused requests of past minutes");
            }
            tokio::time::sleep(SWEEP_INTERVAL).await;
        }
    });
}
