//! The work a server process does besides answering requests, started by [`crate::server`]: the
//! outbox relay (one loop per channel), the sweep (expired entries, purges, the audit of refused
//! requests) and the release of freed memory after busy spells. Each loop ends at its next turn once
//! `stopping` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::delivery::Deliverer;
use crate::service::deps::CHANNELS;
use crate::service::refusals::Tally;
use crate::service::{Deps, notifications, provisioning_tasks, purge, refusals};

/// How often the memory release looks whether requests have stopped coming.
const QUIET_CHECK: Duration = Duration::from_secs(1);

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
            match crate::service::petitions::sweep::run_once(&deps).await {
                Ok(ended) if ended > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "petition expiry sweep failed"),
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

/// Starts the memory release: after each busy spell (and once after start-up), the heap memory
/// freed meanwhile goes back to the operating system. glibc's allocator keeps what threads free in
/// their arenas, so a burst (a bulk import, a load peak) would otherwise leave its high-water mark
/// resident for good; it never runs under load, as the trim holds each arena's lock while it walks it.
pub fn spawn_memory_release(
    requests: impl Fn() -> u64 + Send + 'static,
    stopping: Arc<AtomicBool>,
) {
    tokio::spawn(async move {
        let mut spell = QuietSpell::starting_at(requests());
        while !stopping.load(Ordering::Relaxed) {
            tokio::time::sleep(QUIET_CHECK).await;
            if spell.has_begun(requests()) {
                crate::memory::release_freed();
            }
        }
    });
}

/// Tells, from the count of requests answered looked at once a [`QUIET_CHECK`], when a quiet spell
/// begins: the count has not moved since the last look, and has moved since the last quiet spell.
struct QuietSpell {
    seen: u64,
    last_quiet_at: Option<u64>,
}

impl QuietSpell {
    fn starting_at(requests: u64) -> Self {
        Self {
            seen: requests,
            last_quiet_at: None,
        }
    }

    fn has_begun(&mut self, requests: u64) -> bool {
        let begun = requests == self.seen && self.last_quiet_at != Some(requests);
        if begun {
            self.last_quiet_at = Some(requests);
        }
        self.seen = requests;
        begun
    }
}

#[cfg(test)]
mod tests {
    use super::QuietSpell;

    #[test]
    fn a_quiet_spell_begins_once_after_start_and_once_after_each_busy_one() {
        let mut spell = QuietSpell::starting_at(0);
        let looks = [0, 0, 0, 5, 9, 9, 9, 12, 12];
        let begun: Vec<bool> = looks.iter().map(|&n| spell.has_begun(n)).collect();
        let expected = [true, false, false, false, false, true, false, false, true];
        assert_eq!(begun, expected);
    }
}
