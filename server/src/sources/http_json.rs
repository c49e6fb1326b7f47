//! HTTP JSON sources: a GET per lookup (the search URL for an email, the record URL for a key), with
//! the bearer token, records picked by JSON pointers.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::{Lookup, SourceError, chain, records, secrets, settings};
use crate::model::identity_sources::{HttpJsonSettings, IdentitySource, SourceRecord};

/// The largest answer read, in bytes.
const MAX_ANSWER: usize = 4 * 1024 * 1024;

pub async fn query(
    source: &IdentitySource,
    files_dir: Option<&Path>,
    lookup: &Lookup,
    timeout: Duration,
) -> Result<Vec<SourceRecord>, SourceError> {
    let http = settings(source.http_json.as_ref(), "http_json")?;
    let url = url_for(http, lookup);
    let client = crate::outbound::http_builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SourceError::Misconfigured(chain(&e)))?;
    let mut request = client.get(&url).header("Accept", "application/json");
    if let Some(token) = &http.token {
        request = request.bearer_auth(secrets::read(files_dir, token)?);
    }
    let answer = request.send().await.map_err(|e| send_error(&url, e))?;
    let status = answer.status();
    match status {
        StatusCode::NOT_FOUND => return Ok(Vec::new()),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            return Err(SourceError::Credentials(format!("{url} answered {status}")));
        }
        s if !s.is_success() => return Err(SourceError::Failed(format!("{url} answered {s}"))),
        _ => {}
    }
    let body = answer.bytes().await.map_err(|e| send_error(&url, e))?;
    if body.len() > MAX_ANSWER {
        return Err(SourceError::Failed(format!(
            "{url}: the answer is over 4 MiB"
        )));
    }
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| SourceError::Failed(format!("{url}: the answer is not JSON: {e}")))?;
    let items = match (lookup, value) {
        (Lookup::Key(_), object @ Value::Object(_)) => vec![object],
        (_, value) => listed(http, value, &url)?,
    };
    Ok(items
        .iter()
        .filter_map(|item| records::build(&source.mapping, |f| records::json_values(item, f)))
        .collect())
}

/// The URL for a lookup, its value percent-encoded into the template.
fn url_for(http: &HttpJsonSettings, lookup: &Lookup) -> String {
    let encoded: String = form_urlencoded::byte_serialize(lookup.value().as_bytes()).collect();
    match lookup {
        Lookup::Email(_) => http.search_url.replace("{email}", &encoded),
        Lookup::Key(_) => http.record_url.replace("{key}", &encoded),
    }
}

/// The records of a search answer, at `records_pointer`.
fn listed(http: &HttpJsonSettings, value: Value, url: &str) -> Result<Vec<Value>, SourceError> {
    let pointer = http.records_pointer.as_deref().unwrap_or_default();
    match value.pointer(pointer) {
        Some(Value::Array(items)) => Ok(items.clone()),
        _ => Err(SourceError::Failed(format!(
            "{url}: no array of records at the JSON pointer {pointer:?}"
        ))),
    }
}

fn send_error(url: &str, error: reqwest::Error) -> SourceError {
    if error.is_timeout() {
        SourceError::Timeout
    } else if error.is_connect() {
        SourceError::Unreachable(format!("cannot connect to {url}: {}", chain(&error)))
    } else {
        SourceError::Failed(format!("{url}: {}", chain(&error)))
    }
}
