//! Identity source connectors: LDAP / Active Directory (`ldap3`), HTTP JSON (reqwest) and files (CSV
//! or JSON lines). Each answers a [`Lookup`] with [`SourceRecord`]s, within the source's timeout,
//! or a [`SourceError`] that says which part failed. Like `delivery`, a transport layer: services
//! call it, it knows nothing of HTTP handlers or the database.

mod file;
mod http_json;
mod ldap;
mod records;
pub mod secrets;

use std::path::Path;
use std::time::{Duration, Instant};

pub use records::effective_mapping;

use crate::model::identity_sources::{IdentitySource, SourceKind, SourceRecord};

/// The most records one query returns.
pub const MAX_RECORDS: usize = 50;

/// What is looked up.
#[derive(Debug, Clone)]
pub enum Lookup {
    /// The records with this email (compared without regard to case).
    Email(String),
    /// The record with this source key.
    Key(String),
}

impl Lookup {
    /// `email` or `key`.
    pub fn kind(&self) -> &'static str {
        match self {
            Lookup::Email(_) => "email",
            Lookup::Key(_) => "key",
        }
    }

    /// The email or key.
    pub fn value(&self) -> &str {
        match self {
            Lookup::Email(v) | Lookup::Key(v) => v,
        }
    }

    /// Whether `record` answers the lookup (a source's own matching may be looser).
    fn matches(&self, record: &SourceRecord) -> bool {
        match self {
            Lookup::Email(email) => record.emails.iter().any(|e| e.eq_ignore_ascii_case(email)),
            Lookup::Key(key) => record.source_key == *key,
        }
    }
}

/// Why a source could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// Nothing answered at the address (refused, unknown host, TLS refused).
    #[error("{0}")]
    Unreachable(String),
    /// The directory refused the credentials.
    #[error("{0}")]
    Credentials(String),
    /// No answer within the source's timeout (the connectors' own timeouts are set to the same).
    #[error("no answer within the source's timeout")]
    Timeout,
    /// The source answered, but not with records (an error, or an answer that cannot be read).
    #[error("{0}")]
    Failed(String),
    /// The source cannot be used as configured here (a secret or file missing).
    #[error("{0}")]
    Misconfigured(String),
}

/// Asks `source` for `lookup`; files and secrets are found under `files_dir`. The answer holds at
/// most [`MAX_RECORDS`] records, each one that truly matches the lookup.
pub async fn query(
    source: &IdentitySource,
    files_dir: Option<&Path>,
    lookup: &Lookup,
) -> Result<(Vec<SourceRecord>, Duration), SourceError> {
    let started = Instant::now();
    let timeout = Duration::from_secs(u64::from(source.timeout_seconds));
    let asked = async {
        match source.kind {
            SourceKind::Ldap => ldap::query(source, files_dir, lookup, timeout).await,
            SourceKind::HttpJson => http_json::query(source, files_dir, lookup, timeout).await,
            SourceKind::File => file::query(source, files_dir, lookup).await,
        }
    };
    let records = tokio::time::timeout(timeout, asked)
        .await
        .map_err(|_| SourceError::Timeout)??;
    let records = records
        .into_iter()
        .filter(|r| lookup.matches(r))
        .take(MAX_RECORDS)
        .collect();
    Ok((records, started.elapsed()))
}

/// The settings of `source`'s kind, or a misconfiguration (a row written by something else).
fn settings<'a, T>(found: Option<&'a T>, kind: &str) -> Result<&'a T, SourceError> {
    found.ok_or_else(|| SourceError::Misconfigured(format!("the source has no {kind} settings")))
}

/// An error with its causes, as `a: b: c`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}
