//! Configuration: one documented struct, read from a TOML file and `ENROLLD_*` environment variables
//! (the environment wins). `enrolld.example.toml` documents every key; a test keeps it in sync.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Every setting. Each key `k` can also be set as the environment variable `ENROLLD_<K>`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to bind.
    pub listen: String,
    /// `sqlite://relative.db`, `sqlite:///absolute/path.db` or `postgres://…`.
    pub database_url: String,
    /// Base URL that links and QR codes point at; default `http://<listen>`.
    pub public_url: Option<String>,
    /// HS256 shared secret (at least 32 bytes).
    pub jwt_secret: Option<String>,
    /// File holding the HS256 shared secret.
    pub jwt_secret_file: Option<PathBuf>,
    /// PEM public key (RSA, EC P-256/P-384 or Ed25519) that verifies operator tokens.
    pub jwt_public_key_file: Option<PathBuf>,
    /// JWKS file with verification keys.
    pub jwt_jwks_file: Option<PathBuf>,
    /// JWKS URL with verification keys (https, or http to loopback; cached for its `max-age` within
    /// 1 min – 24 h, fetched again when that runs out or an unknown `kid` appears).
    pub jwt_jwks_url: Option<String>,
    /// Pinned algorithm list, comma-separated (e.g. `HS256` or `RS256,ES256`); default from the key kind.
    pub jwt_algorithms: Option<String>,
    /// Required `iss` claim.
    pub jwt_issuer: String,
    /// Required `aud` claim.
    pub jwt_audience: String,
    /// Required JWT `typ` header (e.g. `at+jwt`, RFC 9068); unset accepts any.
    pub jwt_typ: Option<String>,
    /// Longest accepted token lifetime (`exp` minus now), e.g. `24h`; also the most `token issue
    /// --ttl` mints.
    pub jwt_max_lifetime: String,
    /// Server key for hashing codes and secrets (base64 or text, at least 32 bytes).
    pub secret_key: Option<String>,
    /// File holding the server key.
    pub secret_key_file: Option<PathBuf>,
    /// Earlier server keys, comma-separated: they still open and verify what they made, so the key
    /// can be rotated without losing pending codes, outbox rows or TOTP seeds.
    pub secret_key_previous: Option<String>,
    /// File holding the earlier server keys, one per line.
    pub secret_key_previous_file: Option<PathBuf>,
    /// lettre SMTP URL, e.g. `smtp://127.0.0.1:2525`; unset means the email service is not configured.
    pub smtp_url: Option<String>,
    /// File holding the SMTP password (overrides a password in `smtp_url`).
    pub smtp_password_file: Option<PathBuf>,
    /// Sender address for emails.
    pub mail_from: String,
    /// HTTP endpoint that receives `{"to", "body"}` JSON POSTs; unset means SMS is not configured.
    pub sms_gateway_url: Option<String>,
    /// Bearer token sent to the SMS gateway.
    pub sms_gateway_token: Option<String>,
    /// File holding the SMS gateway bearer token.
    pub sms_gateway_token_file: Option<PathBuf>,
    /// Largest accepted request body in bytes (bulk imports accept 32 times this).
    pub max_body_bytes: u64,
    /// Database connections per server process (on SQLite, those that read; writes have one more);
    /// default [`default_pool_size`].
    pub db_pool_size: u32,
    /// HTTP worker threads; default: one per core.
    pub workers: Option<u32>,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// CIDRs of reverse proxies whose `X-Forwarded-For` / `Forwarded` headers are believed for the
    /// client address, comma-separated; default none.
    pub trusted_proxies: Option<String>,
    /// Serve Swagger UI and `/openapi.json`.
    pub docs: bool,
    /// Require a bearer token with the `metrics:read` scope for `/metrics`.
    pub metrics_require_token: bool,
    /// Refuse (428) an update or delete of a versioned resource that sends no `If-Match`.
    pub require_if_match: bool,
    /// How long Idempotency-Key answers are kept, in hours.
    pub idempotency_retention_hours: u64,
    /// How often the outbox relay looks for due messages, in milliseconds (it is also woken on commit).
    pub outbox_poll_ms: u64,
    /// For development: a directory where emails (`.eml`) and SMS (`.json`) are written instead of
    /// sent, for channels without an SMTP server or SMS gateway. `serve --dev` sets it to
    /// `enrolld-outbox` next to the database.
    pub outbox_dir: Option<PathBuf>,
    /// The directory whose files identity sources may name (file sources, secret files, CA files);
    /// unset, sources can name none. `serve --dev` sets it to `enrolld-sources` next to the database.
    pub source_files_dir: Option<PathBuf>,
}

/// Twice the cores plus one: PostgreSQL's rule of thumb for connections that keep a server's cores
/// busy without queuing work in its scheduler (measured here: on 2 cores, 5 connections gave a
/// session write p99 of 40 ms where 10 gave 61 ms, at the same throughput). Raise it when
/// PostgreSQL runs on a bigger machine than Enrolld.
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    u32::try_from(2 * cores + 1).unwrap_or(1000).min(1000)
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            database_url: "sqlite://enrolld.db".into(),
            public_url: None,
            jwt_secret: None,
            jwt_secret_file: None,
            jwt_public_key_file: None,
            jwt_jwks_file: None,
            jwt_jwks_url: None,
            jwt_algorithms: None,
            jwt_issuer: "enrolld".into(),
            jwt_audience: "enrolld".into(),
            jwt_typ: None,
            jwt_max_lifetime: "24h".into(),
            secret_key: None,
            secret_key_file: None,
            secret_key_previous: None,
            secret_key_previous_file: None,
            smtp_url: None,
            smtp_password_file: None,
            mail_from: "enrolld@localhost".into(),
            sms_gateway_url: None,
            sms_gateway_token: None,
            sms_gateway_token_file: None,
            max_body_bytes: 1024 * 1024,
            db_pool_size: default_pool_size(),
            workers: None,
            log_format: "text".into(),
            trusted_proxies: None,
            docs: true,
            metrics_require_token: false,
            require_if_match: false,
            idempotency_retention_hours: 24,
            outbox_poll_ms: 1000,
            outbox_dir: None,
            source_files_dir: None,
        }
    }
}

/// The keys whose values are whole numbers (everything else is text).
const NUMERIC_KEYS: &[&str] = &[
    "max_body_bytes",
    "db_pool_size",
    "workers",
    "outbox_poll_ms",
    "idempotency_retention_hours",
];

/// The keys whose values are `true` or `false`.
const BOOL_KEYS: &[&str] = &["docs", "metrics_require_token", "require_if_match"];

/// Every key of [`Config`] (a test checks this list against the struct).
pub const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "public_url",
    "jwt_secret",
    "jwt_secret_file",
    "jwt_public_key_file",
    "jwt_jwks_file",
    "jwt_jwks_url",
    "jwt_algorithms",
    "jwt_issuer",
    "jwt_audience",
    "jwt_typ",
    "jwt_max_lifetime",
    "secret_key",
    "secret_key_file",
    "secret_key_previous",
    "secret_key_previous_file",
    "smtp_url",
    "smtp_password_file",
    "mail_from",
    "sms_gateway_url",
    "sms_gateway_token",
    "sms_gateway_token_file",
    "max_body_bytes",
    "db_pool_size",
    "workers",
    "log_format",
    "trusted_proxies",
    "docs",
    "metrics_require_token",
    "require_if_match",
    "idempotency_retention_hours",
    "outbox_poll_ms",
    "outbox_dir",
    "source_files_dir",
];

/// The environment variable for a key.
pub fn env_name(key: &str) -> String {
    format!("ENROLLD_{}", key.to_ascii_uppercase())
}

impl Config {
    /// Reads the optional TOML file, then overlays `ENROLLD_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, String> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
                text.parse::<toml::Table>()
                    .map_err(|e| format!("config file {}: {}", path.display(), e.message()))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            let Some(key) = KEYS.iter().find(|k| env_name(k) == name) else {
                continue;
            };
            let value = if NUMERIC_KEYS.contains(key) {
                let number = value
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| format!("{name}: {value:?} is not a whole number"))?;
                toml::Value::Integer(number)
            } else if BOOL_KEYS.contains(key) {
                match value.trim().to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" | "on" => toml::Value::Boolean(true),
                    "false" | "0" | "no" | "off" => toml::Value::Boolean(false),
                    _ => return Err(format!("{name}: {value:?} is not true or false")),
                }
            } else {
                toml::Value::String(value)
            };
            table.insert((*key).to_owned(), value);
        }
        Config::deserialize(table.clone()).map_err(|e| {
            let origin = file
                .map(|p| format!("config file {}", p.display()))
                .unwrap_or("config".into());
            // Name the offending key: the first one that fails on its own.
            let key = table.iter().find_map(|(key, value)| {
                let single: toml::Table = [(key.clone(), value.clone())].into_iter().collect();
                Config::deserialize(single).is_err().then(|| key.clone())
            });
            match key {
                Some(key) => format!(
                    "{origin}: {key} ({}): {}",
                    env_name(&key),
                    e.message().trim()
                ),
                None => format!("{origin}: {}", e.message().trim()),
            }
        })
    }

    /// Checks the values and resolves them into what the server runs with.
    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        self.listen.parse().map_err(|_| {
            format!(
                "listen: {:?} is not an address like 127.0.0.1:8080",
                self.listen
            )
        })
    }

    /// The base URL for links, without a trailing slash.
    pub fn public_base_url(&self, bound: SocketAddr) -> Result<String, String> {
        match &self.public_url {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(url.trim_end_matches('/').to_owned())
            }
            Some(url) => Err(format!(
                "public_url: {url:?} must start with http:// or https://"
            )),
            None => Ok(format!("http://{bound}")),
        }
    }

    /// Checks every value that can be checked without touching the network or the database (the
    /// database URL is checked where it is opened, [`crate::server::database`]).
    pub fn validate(&self) -> Result<(), String> {
        self.listen_addr()?;
        if self.max_body_bytes < 1024 {
            return Err("max_body_bytes: must be at least 1024".into());
        }
        if self.db_pool_size == 0 || self.db_pool_size > 1000 {
            return Err("db_pool_size: must be between 1 and 1000".into());
        }
        if self.workers == Some(0) {
            return Err("workers: must be at least 1".into());
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(format!(
                "log_format: {:?} is not one of text, json",
                self.log_format
            ));
        }
        if let Some(url) = &self.smtp_url
            && !(url.starts_with("smtp://") || url.starts_with("smtps://"))
        {
            return Err("smtp_url: must start with smtp:// or smtps://".into());
        }
        if let Some(url) = &self.sms_gateway_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err("sms_gateway_url: must start with http:// or https://".into());
        }
        self.jwt_max_lifetime_seconds()?;
        self.trusted_proxy_networks()?;
        if !(1..=24 * 365).contains(&self.idempotency_retention_hours) {
            return Err("idempotency_retention_hours: must be between 1 and 8760".into());
        }
        if !self.mail_from.contains('@') {
            return Err(format!(
                "mail_from: {:?} is not an email address",
                self.mail_from
            ));
        }
        Ok(())
    }
}

impl Config {
    /// The longest accepted token lifetime, in seconds (1 minute to 366 days).
    pub fn jwt_max_lifetime_seconds(&self) -> Result<u64, String> {
        let seconds = crate::auth::jwt::parse_ttl(&self.jwt_max_lifetime)
            .map_err(|e| format!("jwt_max_lifetime: {e}"))?;
        if !(60..=366 * 86_400).contains(&seconds) {
            return Err("jwt_max_lifetime: must be between 1m and 366d".into());
        }
        Ok(seconds)
    }

    /// The trusted proxy networks.
    pub fn trusted_proxy_networks(&self) -> Result<Vec<ipnet::IpNet>, String> {
        self.trusted_proxies
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| crate::net::parse_network(s).map_err(|e| format!("trusted_proxies: {e}")))
            .collect()
    }
}

/// Reads a secret from its inline value or its file (the file wins), trimming a final newline.
pub fn read_secret(
    key: &str,
    inline: &Option<String>,
    file: &Option<PathBuf>,
) -> Result<Option<String>, String> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{key}_file: cannot read {}: {e}", path.display()))?;
        return Ok(Some(text.trim_end_matches(['\n', '\r']).to_owned()));
    }
    Ok(inline.clone())
}
