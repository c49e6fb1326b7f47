//! Tokens signed here, and how the server answers them.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::TestServer;

/// A file under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// Now, in seconds since the epoch.
pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// Valid claims for the test configuration (issuer, audience, an agent with `users:read`).
pub fn claims() -> Value {
    json!({"iss": "enrolld", "aud": "enrolld", "sub": "agent-7", "scope": "users:read", "exp": now() + 600, "iat": now()})
}

/// A token signed with `key` (and `kid` in its header).
pub fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// The RSA private key whose public half the tests configure.
pub fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa-private.pem")).unwrap()).unwrap()
}

/// The P-256 private key whose public half the tests configure.
pub fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(&std::fs::read(fixture("ec-private.pem")).unwrap()).unwrap()
}

/// The status and `WWW-Authenticate` of a request with `token`.
pub async fn status(server: &TestServer, token: &str) -> (u16, String) {
    let response = server
        .http()
        .get(server.url("/v1/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, challenge)
}

/// Asserts a 401 with the `invalid_token` challenge.
pub async fn assert_rejected(server: &TestServer, token: &str, case: &str) {
    let (status, challenge) = status(server, token).await;
    assert_eq!(status, 401, "{case}");
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{case}: {challenge}"
    );
}
