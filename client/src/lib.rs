//! `enrolld-client`: the typed Rust SDK for the Enrolld API, generated at build time by progenitor from
//! the committed `openapi/openapi.json`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = enrolld_client::Client::with_token("http://127.0.0.1:8080", "eyJ…")?;
//! let page = client.list_users().limit(10).send().await?;
//! for user in &page.items {
//!     println!("{} {}", user.username, user.display_name);
//! }
//! # Ok(()) }
//! ```
//!
//! The README's automation workflow (a session for `bob`, safe to retry, then removed):
//!
//! ```no_run
//! # async fn demo(token: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use enrolld_client::types;
//! let client = enrolld_client::Client::with_token("http://127.0.0.1:8080", token)?;
//! let session = client
//!     .create_registration_session()
//!     .user("bob")
//!     .idempotency_key(uuid::Uuid::new_v4().to_string())
//!     .body(types::CreateRegistrationSession::builder().hours_to_live(24.0).force(true).notify(vec![types::NotifyChannel::Email]))
//!     .send()
//!     .await?
//!     .into_inner();
//! client.delete_registration_session().id(session.id).send().await?;
//! # Ok(()) }
//! ```
#![allow(missing_docs, clippy::all, clippy::unwrap_used, clippy::expect_used)]

include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

/// One clap command per operation and the code that runs it (progenitor's `Generator::cli`), for the
/// `enrollctl` binary.
#[cfg(feature = "cli")]
#[allow(unused, unreachable_code, clippy::all)]
pub mod cli {
    include!(concat!(env!("OUT_DIR"), "/cli.rs"));
}

/// A reqwest builder that can speak HTTPS: rustls with the `ring` provider (installed here unless the
/// program installed one), checking server certificates against the system's trust store. Use it for a
/// custom `reqwest::Client` given to `Client::new_with_client`.
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::ClientBuilder::new()
}

impl Client {
    /// A client that sends `Authorization: Bearer <token>` with every request.
    pub fn with_token(
        base_url: &str,
        token: &str,
    ) -> Result<Self, reqwest::header::InvalidHeaderValue> {
        let mut headers = reqwest::header::HeaderMap::new();
        let mut value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?;
        value.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, value);
        let http = http_builder()
            .default_headers(headers)
            .connect_timeout(std::time::Duration::from_secs(15))
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .map_err(|_| reqwest::header::HeaderValue::from_str("\n").unwrap_err())?;
        Ok(Self::new_with_client(base_url, http))
    }
}
