//! Where the verification keys come from: an HS256 secret, a PEM public key, or a JWKS file/URL.

use std::time::Duration;

use chrono::{DateTime, Utc};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use tokio::sync::{Mutex, RwLock};

use crate::clock::Clock;
use crate::config::{Config, read_secret};

/// The least time between two JWKS fetches caused by an unknown `kid`, in seconds.
const JWKS_REFETCH_SECONDS: i64 = 60;

/// The verification keys.
pub enum KeySource {
    /// A shared HS256 secret (also used to mint tokens).
    Secret(Vec<u8>),
    /// One public key.
    PublicKey(DecodingKey),
    /// A key set, from a file (fixed) or a URL (cached and refetched).
    Jwks(JwksKeys),
}

/// A JWKS, with its origin.
pub struct JwksKeys {
    set: RwLock<JwkSet>,
    url: Option<String>,
    last_fetch: Mutex<Option<DateTime<Utc>>>,
    http: reqwest::Client,
    clock: Clock,
}

impl JwksKeys {
    /// The key with this `kid` (or the only key when the token names none), refetching the set from its
    /// URL at most once a minute when the `kid` is unknown.
    pub async fn find(&self, kid: Option<&str>) -> Option<DecodingKey> {
        if let Some(key) = self.lookup(kid).await {
            return Some(key);
        }
        self.refetch().await;
        self.lookup(kid).await
    }

    async fn lookup(&self, kid: Option<&str>) -> Option<DecodingKey> {
        let set = self.set.read().await;
        let jwk = match kid {
            Some(kid) => set.find(kid),
            None if set.keys.len() == 1 => set.keys.first(),
            None => None,
        }?;
        DecodingKey::from_jwk(jwk).ok()
    }

    async fn refetch(&self) {
        let Some(url) = &self.url else { return };
        let mut last = self.last_fetch.lock().await;
        let now = self.clock.now();
        if last.is_some_and(|at| (now - at).num_seconds() < JWKS_REFETCH_SECONDS) {
            return;
        }
        *last = Some(now);
        match fetch_jwks(&self.http, url).await {
            Ok(set) => *self.set.write().await = set,
            Err(error) => tracing::warn!(%error, "could not refresh the JWKS"),
        }
    }
}

async fn fetch_jwks(http: &reqwest::Client, url: &str) -> Result<JwkSet, String> {
    let response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("GET {url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("GET {url}: status {}", response.status()));
    }
    response
        .json::<JwkSet>()
        .await
        .map_err(|e| format!("GET {url}: not a JWKS: {e}"))
}

/// The resolved key source and the pinned algorithms.
pub struct VerificationKeys {
    /// Where keys come from.
    pub source: KeySource,
    /// The only algorithms accepted in token headers.
    pub algorithms: Vec<Algorithm>,
}

/// Builds the key source from the configuration; `dev_secret` is used when no key is configured.
pub async fn load(
    config: &Config,
    dev_secret: Option<Vec<u8>>,
    clock: &Clock,
) -> Result<VerificationKeys, String> {
    let secret = read_secret("jwt_secret", &config.jwt_secret, &config.jwt_secret_file)?;
    let configured = [
        secret.is_some(),
        config.jwt_public_key_file.is_some(),
        config.jwt_jwks_file.is_some(),
        config.jwt_jwks_url.is_some(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    if configured > 1 {
        return Err("jwt: set only one of jwt_secret(_file), jwt_public_key_file, jwt_jwks_file, jwt_jwks_url".into());
    }
    let (source, families) = if let Some(secret) = secret {
        if secret.len() < 32 {
            return Err("jwt_secret: must be at least 32 bytes".into());
        }
        (
            KeySource::Secret(secret.into_bytes()),
            vec![AlgorithmFamily::Hmac],
        )
    } else if let Some(path) = &config.jwt_public_key_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("jwt_public_key_file: cannot read {}: {e}", path.display()))?;
        let key = DecodingKey::from_rsa_pem(&pem)
            .or_else(|_| DecodingKey::from_ec_pem(&pem))
            .or_else(|_| DecodingKey::from_ed_pem(&pem))
            .map_err(|_| {
                format!(
                    "jwt_public_key_file: {} is not an RSA, EC or Ed25519 public key in PEM",
                    path.display()
                )
            })?;
        let family = key.family();
        (KeySource::PublicKey(key), vec![family])
    } else if config.jwt_jwks_file.is_some() || config.jwt_jwks_url.is_some() {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("jwt_jwks_url: cannot build an HTTP client: {e}"))?;
        let set = if let Some(path) = &config.jwt_jwks_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("jwt_jwks_file: cannot read {}: {e}", path.display()))?;
            serde_json::from_str::<JwkSet>(&text)
                .map_err(|e| format!("jwt_jwks_file: {} is not a JWKS: {e}", path.display()))?
        } else {
            JwkSet { keys: Vec::new() }
        };
        let url = config.jwt_jwks_url.clone();
        if let Some(url) = &url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err("jwt_jwks_url: must start with http:// or https://".into());
        }
        let jwks = JwksKeys {
            set: RwLock::new(set),
            url,
            last_fetch: Mutex::new(None),
            http,
            clock: clock.clone(),
        };
        jwks.refetch().await;
        let families = vec![
            AlgorithmFamily::Rsa,
            AlgorithmFamily::Ec,
            AlgorithmFamily::Ed,
        ];
        (KeySource::Jwks(jwks), families)
    } else if let Some(secret) = dev_secret {
        (KeySource::Secret(secret), vec![AlgorithmFamily::Hmac])
    } else {
        return Err("no JWT verification key: set ENROLLD_JWT_SECRET (or _FILE), ENROLLD_JWT_PUBLIC_KEY_FILE, \
                    ENROLLD_JWT_JWKS_FILE or ENROLLD_JWT_JWKS_URL, or run `enrolld serve --dev` for a first try"
            .into());
    };
    let algorithms = match &config.jwt_algorithms {
        Some(list) => parse_algorithms(list, &families)?,
        None => default_algorithms(&source, &families),
    };
    Ok(VerificationKeys { source, algorithms })
}

fn default_algorithms(source: &KeySource, families: &[AlgorithmFamily]) -> Vec<Algorithm> {
    match source {
        KeySource::Secret(_) => vec![Algorithm::HS256],
        KeySource::PublicKey(key) => match key.family() {
            AlgorithmFamily::Rsa => vec![Algorithm::RS256],
            AlgorithmFamily::Ec => vec![Algorithm::ES256],
            AlgorithmFamily::Ed => vec![Algorithm::EdDSA],
            AlgorithmFamily::Hmac => vec![Algorithm::HS256],
        },
        KeySource::Jwks(_) => {
            let mut algs = Vec::new();
            for family in families {
                algs.extend_from_slice(match family {
                    AlgorithmFamily::Rsa => &[Algorithm::RS256][..],
                    AlgorithmFamily::Ec => &[Algorithm::ES256][..],
                    AlgorithmFamily::Ed => &[Algorithm::EdDSA][..],
                    AlgorithmFamily::Hmac => &[][..],
                });
            }
            algs
        }
    }
}

fn parse_algorithms(list: &str, families: &[AlgorithmFamily]) -> Result<Vec<Algorithm>, String> {
    let mut algorithms = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let alg: Algorithm = name.parse().map_err(|_| {
            format!(
                "jwt_algorithms: {name:?} is not a JWS algorithm (e.g. HS256, RS256, ES256, EdDSA)"
            )
        })?;
        if !families.contains(&alg.family()) {
            return Err(format!(
                "jwt_algorithms: {name} does not fit the configured key"
            ));
        }
        algorithms.push(alg);
    }
    if algorithms.is_empty() {
        return Err("jwt_algorithms: name at least one algorithm".into());
    }
    Ok(algorithms)
}
