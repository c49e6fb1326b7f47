//! Outgoing HTTP (the SMS gateway, JWKS, identity sources): reqwest over rustls with the `ring`
//! provider, which lettre already brings (reqwest's own default, aws-lc-rs, is a long C build).
//! Server certificates are checked against the system's trust store.

/// A reqwest builder that can speak HTTPS. reqwest's `rustls-no-provider` panics when a client is
/// built before a provider is installed, so every builder comes from here.
pub fn http_builder() -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
}

/// Makes `ring` the process's rustls provider; a no-op when one is already installed.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
