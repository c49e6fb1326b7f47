//! Refused unauthenticated requests, audited in aggregate: the first refusal from a source in a
//! minute is recorded at once (so an operator sees why a token is refused), the rest of that minute
//! become one row with their count when the minute is over. A flood of bad tokens therefore adds at
//! most two audit rows per source and minute, and the tally in memory is bounded.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::audit;
use crate::db::Db;
use crate::db::audit_events::AuditEventRow;
use crate::error::AppResult;

/// The audit action of a refused unauthenticated request.
pub const ACTION: &str = "authentication_failed";
/// Sources tallied at once; refusals from further sources count under [`OTHER_SOURCES`].
const MAX_SOURCES: usize = 10_000;
/// Source name for refusals beyond [`MAX_SOURCES`].
const OTHER_SOURCES: &str = "(other sources)";
/// Distinct reasons kept per source and minute; further ones count under "other".
const MAX_REASONS: usize = 8;

/// The refusals after the first from one source in one minute.
#[derive(Debug, Default)]
struct Repeats {
    count: u64,
    reasons: BTreeMap<String, u64>,
    operations: BTreeMap<&'static str, u64>,
    last_request_id: String,
}

/// The in-memory tally of this process.
#[derive(Debug, Default)]
pub struct Tally {
    minutes: Mutex<HashMap<(String, i64), Repeats>>,
}

/// One refused request.
pub struct Refusal<'a> {
    /// Where it came from.
    pub source: &'a str,
    /// Why it was refused.
    pub reason: &'a str,
    /// The operation it asked for.
    pub operation: &'static str,
    /// Its request id.
    pub request_id: &'a str,
}

fn minute_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

impl Tally {
    /// Counts a refusal; answers whether it is the first from its source this minute (to be
    /// recorded at once) and the summaries of minutes that are over.
    fn note(&self, refusal: &Refusal<'_>, now: DateTime<Utc>) -> (bool, Vec<AuditEventRow>) {
        let minute = minute_of(now);
        let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        let due = take_before(&mut minutes, minute, now);
        let mut source = refusal.source.to_owned();
        if minutes.len() >= MAX_SOURCES && !minutes.contains_key(&(source.clone(), minute)) {
            source = OTHER_SOURCES.to_owned();
        }
        let first = !minutes.contains_key(&(source.clone(), minute));
        if first {
            minutes.insert((source, minute), Repeats::default());
        } else if let Some(repeats) = minutes.get_mut(&(source, minute)) {
            repeats.count += 1;
            let known =
                repeats.reasons.len() < MAX_REASONS || repeats.reasons.contains_key(refusal.reason);
            let reason = if known { refusal.reason } else { "other" };
            *repeats.reasons.entry(reason.to_owned()).or_default() += 1;
            if repeats.operations.len() < MAX_REASONS {
                *repeats.operations.entry(refusal.operation).or_default() += 1;
            }
            repeats.last_request_id = refusal.request_id.to_owned();
        }
        (first, due)
    }

    /// Takes the summaries of minutes before `now`'s (all of them when `everything`).
    fn take_due(&self, now: DateTime<Utc>, which: Flush) -> Vec<AuditEventRow> {
        let mut minutes = self.minutes.lock().unwrap_or_else(|e| e.into_inner());
        let before = match which {
            Flush::All => i64::MAX,
            Flush::Due => minute_of(now),
        };
        take_before(&mut minutes, before, now)
    }
}

/// Removes the entries of minutes before `minute`, answering a row for each that had repeats.
fn take_before(
    minutes: &mut HashMap<(String, i64), Repeats>,
    minute: i64,
    now: DateTime<Utc>,
) -> Vec<AuditEventRow> {
    if minutes.keys().all(|(_, m)| *m >= minute) {
        return Vec::new();
    }
    let mut rows = Vec::new();
    minutes.retain(|(source, m), repeats| {
        if *m >= minute {
            return true;
        }
        if repeats.count > 0 {
            rows.push(summary_row(source, *m, repeats, now));
        }
        false
    });
    rows
}

fn summary_row(source: &str, minute: i64, repeats: &Repeats, now: DateTime<Utc>) -> AuditEventRow {
    let started = DateTime::<Utc>::from_timestamp(minute * 60, 0).unwrap_or(now);
    let detail = json!({
        "source": source,
        "minute": started,
        "count": repeats.count,
        "repeated": true,
        "reasons": repeats.reasons,
        "operations": repeats.operations,
    });
    anonymous_row(now, &repeats.last_request_id, detail)
}

fn anonymous_row(now: DateTime<Utc>, request_id: &str, detail: Value) -> AuditEventRow {
    audit::outside_row(
        now,
        None,
        ACTION,
        request_id,
        audit::Outcome::Denied,
        detail,
    )
}

/// Audits a refused unauthenticated request: at once if it is its source's first this minute,
/// otherwise in the minute's summary. Writes the summaries of minutes that are over.
pub async fn record(
    db: &Db,
    tally: &Tally,
    refusal: Refusal<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (first, mut rows) = tally.note(&refusal, now);
    if first {
        let detail = json!({
            "reason": refusal.reason,
            "operation": refusal.operation,
            "source": refusal.source,
        });
        rows.push(anonymous_row(now, refusal.request_id, detail));
    }
    audit::insert_outside(db, rows).await
}

/// Which minutes' summaries a flush writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// The minutes that are over.
    Due,
    /// All of them, the current one too (the server is stopping).
    All,
}

/// Writes the summaries of minutes that are over (all of them when the server stops).
pub async fn flush(db: &Db, tally: &Tally, now: DateTime<Utc>, which: Flush) -> AppResult<()> {
    audit::insert_outside(db, tally.take_due(now, which)).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn refusal<'a>(source: &'a str, reason: &'a str) -> Refusal<'a> {
        Refusal {
            source,
            reason,
            operation: "list_users",
            request_id: "r",
        }
    }

    #[test]
    fn one_row_at_once_and_one_summary_per_source_and_minute() {
        let tally = Tally::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let (first, due) = tally.note(&refusal("a", "bad"), t0);
        assert!(first && due.is_empty());
        for _ in 0..999 {
            let (first, due) = tally.note(&refusal("a", "bad"), t0);
            assert!(!first && due.is_empty());
        }
        assert!(tally.note(&refusal("b", "none"), t0).0);
        assert!(tally.take_due(t0, Flush::Due).is_empty());
        let next = t0 + chrono::Duration::seconds(60);
        let (first, due) = tally.note(&refusal("a", "bad"), next);
        assert!(first);
        // "b" had no repeats, so only "a" has a summary.
        assert_eq!(due.len(), 1);
        let detail: Value = serde_json::from_str(due[0].detail.as_deref().unwrap()).unwrap();
        assert_eq!(detail["count"], 999);
        assert_eq!(detail["source"], "a");
        assert_eq!(detail["reasons"]["bad"], 999);
    }

    #[test]
    fn sources_and_reasons_are_bounded() {
        let tally = Tally::default();
        let t0 = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        for i in 0..100 {
            tally.note(&refusal("a", &format!("reason {i}")), t0);
        }
        {
            let minutes = tally.minutes.lock().unwrap();
            let repeats = minutes.get(&("a".to_owned(), minute_of(t0))).unwrap();
            assert_eq!(repeats.reasons.len(), MAX_REASONS + 1);
            assert_eq!(repeats.count, 99);
        }
        for i in 0..MAX_SOURCES + 50 {
            tally.note(&refusal(&format!("10.0.{}.{}", i / 256, i % 256), "x"), t0);
        }
        let minutes = tally.minutes.lock().unwrap();
        assert_eq!(minutes.len(), MAX_SOURCES + 1);
        // "a" and 9,999 of the new sources fill the tally; the other 51 count as one source (its
        // first refusal is recorded at once, 50 repeats).
        assert_eq!(
            minutes[&(OTHER_SOURCES.to_owned(), minute_of(t0))].count,
            50
        );
    }
}
