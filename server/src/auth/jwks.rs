//! A JSON Web Key Set from a file (fixed) or from the identity provider's URL: fetched at start, then
//! again when its `Cache-Control: max-age` (kept within 1 minute and 24 hours) has run out, so a key
//! removed at the provider stops working, and when a token names an unknown `kid` (a rotated-in key).
//! Fetches are at most one a minute, over https (plain http only to loopback), without redirects,
//! with timeouts and a size cap. Keys meant for encryption, or declaring another algorithm than the
//! token's, are never used to verify.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::jwk::{Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use crate::clock::Clock;

/// The least time between two fetches, in seconds (also the shortest cache lifetime).
const MIN_REFRESH_SECONDS: i64 = 60;
/// The longest cache lifetime, in seconds.
const MAX_REFRESH_SECONDS: i64 = 24 * 3600;
/// The cache lifetime when the response says nothing, in seconds.
const DEFAULT_REFRESH_SECONDS: i64 = 300;
/// The largest key set accepted, in bytes.
const MAX_BYTES: usize = 256 * 1024;

/// The keys and when they must be fetched again.
struct Cached {
    keys: Vec<Jwk>,
    fresh_until: Option<DateTime<Utc>>,
}

/// A key set, with its origin.
pub struct JwksKeys {
    cached: RwLock<Cached>,
    url: Option<String>,
    last_fetch: Mutex<Option<DateTime<Utc>>>,
    http: reqwest::Client,
    clock: Clock,
}

impl JwksKeys {
    /// A fixed key set (from a file).
    pub fn fixed(text: &str, clock: &Clock) -> Result<Self, String> {
        Ok(Self::new(parse(text.as_bytes())?, None, clock))
    }

    /// A key set served at `url`, fetched once now (a failure is logged; tokens wait for the next
    /// fetch).
    pub async fn remote(url: String, clock: &Clock) -> Result<Self, String> {
        check_url(&url)?;
        let jwks = Self::new(Vec::new(), Some(url), clock);
        jwks.refetch().await;
        Ok(jwks)
    }

    fn new(keys: Vec<Jwk>, url: Option<String>, clock: &Clock) -> Self {
        let http = crate::outbound::http_builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self {
            cached: RwLock::new(Cached {
                keys,
                fresh_until: None,
            }),
            url,
            last_fetch: Mutex::new(None),
            http,
            clock: clock.clone(),
        }
    }

    /// The key with this `kid` (or the set's only key when the token names none) for a token signed
    /// with `alg`. The set is fetched again first when its cache lifetime has run out, and once more
    /// when the `kid` is unknown.
    pub async fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        if self.url.is_some() {
            let stale = self
                .cached
                .read()
                .await
                .fresh_until
                .is_none_or(|until| self.clock.now() >= until);
            if stale {
                self.refetch().await;
            }
        }
        if let Some(key) = self.lookup(kid, alg).await {
            return Some(key);
        }
        self.refetch().await;
        self.lookup(kid, alg).await
    }

    async fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Option<DecodingKey> {
        let cached = self.cached.read().await;
        // OpenID Connect Core §10.1: with more than one key in the set, the token must name its kid.
        let jwk = match kid {
            Some(kid) => cached
                .keys
                .iter()
                .find(|jwk| jwk.common.key_id.as_deref() == Some(kid)),
            None if cached.keys.len() == 1 => cached.keys.first(),
            None => None,
        }
        .filter(|jwk| usable_for(jwk, alg))?;
        DecodingKey::from_jwk(jwk).ok()
    }

    /// Fetches the set again, unless it was fetched (or tried) within the last minute. A failed fetch
    /// keeps the keys already known.
    async fn refetch(&self) {
        let Some(url) = &self.url else { return };
        let mut last = self.last_fetch.lock().await;
        let now = self.clock.now();
        if last.is_some_and(|at| (now - at).num_seconds() < MIN_REFRESH_SECONDS) {
            return;
        }
        *last = Some(now);
        match fetch(&self.http, url).await {
            Ok((keys, max_age)) => {
                let seconds = max_age
                    .unwrap_or(DEFAULT_REFRESH_SECONDS)
                    .clamp(MIN_REFRESH_SECONDS, MAX_REFRESH_SECONDS);
                *self.cached.write().await = Cached {
                    keys,
                    fresh_until: Some(now + chrono::Duration::seconds(seconds)),
                };
            }
            Err(error) => {
                tracing::warn!(%error, "could not refresh the JWKS; keeping the keys known")
            }
        }
    }
}

/// Whether `jwk` may verify a token signed with `alg`: not an encryption key, and no other algorithm
/// declared.
fn usable_for(jwk: &Jwk, alg: Algorithm) -> bool {
    let for_signing = matches!(
        jwk.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    );
    let same_alg = jwk
        .common
        .key_algorithm
        .is_none_or(|declared| declared == KeyAlgorithm::from(alg));
    for_signing && same_alg
}

/// `https://…`, or `http://` to a loopback host (for tests and a local sidecar).
fn check_url(url: &str) -> Result<(), String> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| format!("jwt_jwks_url: {url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(
            "jwt_jwks_url: must be an https:// URL (plain http only to a loopback address)".into(),
        ),
    }
}

/// Fetches and parses the set; answers its keys and the `max-age` the response allows, if any.
async fn fetch(http: &reqwest::Client, url: &str) -> Result<(Vec<Jwk>, Option<i64>), String> {
    let mut response = http
        .get(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!(
            "GET {url}: status {} (redirects are not followed)",
            response.status()
        ));
    }
    let max_age = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(max_age);
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BYTES as u64)
    {
        return Err(format!("GET {url}: the key set is over {MAX_BYTES} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?
    {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(format!("GET {url}: the key set is over {MAX_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let keys = parse(&body).map_err(|e| format!("GET {url}: {e}"))?;
    Ok((keys, max_age))
}

/// The keys of a JWKS document; keys this server cannot read are skipped, not fatal.
fn parse(bytes: &[u8]) -> Result<Vec<Jwk>, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document =
        serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS: {e}"))?;
    Ok(document
        .keys
        .into_iter()
        .filter_map(|key| serde_json::from_value::<Jwk>(key).ok())
        .collect())
}

/// The `max-age` of a `Cache-Control` value, in seconds; `no-cache` and `no-store` count as 0.
fn max_age(value: &str) -> Option<i64> {
    value.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return Some(0);
        }
        lower
            .strip_prefix("max-age=")
            .and_then(|n| n.trim_matches('"').parse::<i64>().ok())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_is_read() {
        assert_eq!(max_age("public, max-age=600"), Some(600));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("private"), None);
        assert_eq!(max_age("max-age=\"90\""), Some(90));
    }

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://idp.example.com/jwks").is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(check_url("http://[::1]/jwks").is_ok());
        assert!(check_url("http://localhost/jwks").is_ok());
        assert!(check_url("http://idp.example.com/jwks").is_err());
        assert!(check_url("ftp://127.0.0.1/jwks").is_err());
    }

    #[test]
    fn unreadable_keys_are_skipped() {
        let text = r#"{"keys":[{"kty":"RSA","kid":5,"n":"AQAB","e":"AQAB"},{"kty":"oct","k":"c2VjcmV0","kid":"a"}]}"#;
        assert_eq!(parse(text.as_bytes()).unwrap().len(), 1);
        assert!(parse(b"[]").is_err());
    }
}
