use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use enrolld_tests::{SECRET, TestServer};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims() -> Value {
    json!({"iss": "enrolld", "aud": "enrolld", "sub": "agent-7", "scope": "users:read", "exp": now() + 600, "iat": now()})
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(key);
    } else {
        claims[key] = value;
    }
    claims
}

fn sign(alg: Algorithm, key: &EncodingKey, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

fn hs256(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
        claims,
    )
}

fn rsa_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa-private.pem")).unwrap()).unwrap()
}

fn ec_key() -> EncodingKey {
    EncodingKey::from_ec_pem(&std::fs::read(fixture("ec-private.pem")).unwrap()).unwrap()
}

fn ed_key() -> EncodingKey {
    EncodingKey::from_ed_pem(&std::fs::read(fixture("ed-private.pem")).unwrap()).unwrap()
}

async fn status(server: &TestServer, token: &str) -> (u16, String) {
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

async fn assert_rejected(server: &TestServer, token: &str, case: &str) {
    let (status, challenge) = status(server, token).await;
    assert_eq!(status, 401, "{case}");
    assert!(
        challenge.starts_with("Bearer error=\"invalid_token\""),
        "{case}: {challenge}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_tokens_are_checked_claim_by_claim() {
    let server = TestServer::start().await;
    assert_eq!(status(&server, &hs256(&claims())).await.0, 200);
    // Within the 60 s leeway: still accepted.
    assert_eq!(
        status(&server, &hs256(&with(claims(), "exp", json!(now() - 30))))
            .await
            .0,
        200
    );

    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert_rejected(&server, &format!("{header_none}.{payload}."), "alg none").await;
    // Change the first character of the signature (the last one may carry only padding bits).
    let genuine = hs256(&claims());
    let signature_start = genuine.rfind('.').unwrap() + 1;
    let mut tampered = genuine.clone();
    let replacement = if &genuine[signature_start..=signature_start] == "A" {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(signature_start..=signature_start, replacement);
    assert_rejected(&server, &tampered, "altered signature").await;
    let other_secret = EncodingKey::from_secret(b"another-secret-another-secret-0123456789");
    assert_rejected(
        &server,
        &sign(Algorithm::HS256, &other_secret, None, &claims()),
        "wrong secret",
    )
    .await;
    let forged_payload =
        URL_SAFE_NO_PAD.encode(with(claims(), "scope", json!("audit:read")).to_string());
    let original = hs256(&claims());
    let parts: Vec<&str> = original.split('.').collect();
    assert_rejected(
        &server,
        &format!("{}.{forged_payload}.{}", parts[0], parts[2]),
        "swapped payload",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "exp", Value::Null)),
        "missing exp",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "exp", json!(now() - 120))),
        "expired",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "nbf", json!(now() + 300))),
        "future nbf",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "iat", json!(now() + 300))),
        "future iat",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "iss", json!("someone-else"))),
        "wrong iss",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "iss", Value::Null)),
        "missing iss",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "aud", json!("another-api"))),
        "wrong aud",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "aud", json!(["a", "b"]))),
        "aud list without us",
    )
    .await;
    assert_rejected(
        &server,
        &hs256(&with(claims(), "sub", Value::Null)),
        "missing sub",
    )
    .await;
    let hs384 = sign(
        Algorithm::HS384,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
        &claims(),
    );
    assert_rejected(&server, &hs384, "algorithm not pinned").await;
    assert_rejected(&server, "not-a-jwt", "garbage").await;
    assert_rejected(&server, "", "empty").await;
    // An aud list that includes this API is accepted.
    assert_eq!(
        status(
            &server,
            &hs256(&with(claims(), "aud", json!(["other", "enrolld"])))
        )
        .await
        .0,
        200
    );
    // Without the scope: 403, not 401.
    let (code, challenge) = status(
        &server,
        &hs256(&with(claims(), "scope", json!("audit:read"))),
    )
    .await;
    assert_eq!(code, 403);
    assert_eq!(
        challenge,
        "Bearer error=\"insufficient_scope\", scope=\"users:read\""
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_key_servers_refuse_hmac_tokens_made_from_the_public_key() {
    for (public, key, alg) in [
        ("rsa-public.pem", rsa_key(), Algorithm::RS256),
        ("ec-public.pem", ec_key(), Algorithm::ES256),
        ("ed-public.pem", ed_key(), Algorithm::EdDSA),
    ] {
        let server = TestServer::start_with(|c| {
            c.jwt_secret = None;
            c.jwt_public_key_file = Some(fixture(public));
        })
        .await;
        assert_eq!(
            status(&server, &sign(alg, &key, None, &claims())).await.0,
            200,
            "{public}"
        );
        let public_pem = std::fs::read(fixture(public)).unwrap();
        let confused = sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(&public_pem),
            None,
            &claims(),
        );
        assert_rejected(&server, &confused, "public key used as an HMAC secret").await;
        assert_rejected(&server, &hs256(&claims()), "HS256 on an asymmetric server").await;
    }
    // An algorithm outside the pinned list is refused even with the right key.
    let server = TestServer::start_with(|c| {
        c.jwt_secret = None;
        c.jwt_public_key_file = Some(fixture("rsa-public.pem"));
        c.jwt_algorithms = Some("RS256".into());
    })
    .await;
    assert_rejected(
        &server,
        &sign(Algorithm::RS512, &rsa_key(), None, &claims()),
        "RS512 not pinned",
    )
    .await;
    assert_rejected(
        &server,
        &sign(Algorithm::PS256, &rsa_key(), None, &claims()),
        "PS256 not pinned",
    )
    .await;
}

fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(key, alg).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_file_selects_keys_by_kid() {
    let dir = enrolld_tests::temp_dir();
    let path = dir.join("jwks.json");
    let set = JwkSet {
        keys: vec![
            jwk(&rsa_key(), Algorithm::RS256, "rsa-1"),
            jwk(&ec_key(), Algorithm::ES256, "ec-1"),
        ],
    };
    std::fs::write(&path, serde_json::to_string(&set).unwrap()).unwrap();
    let server = TestServer::start_with(|c| {
        c.jwt_secret = None;
        c.jwt_jwks_file = Some(path.clone());
        c.jwt_algorithms = Some("RS256,ES256".into());
    })
    .await;
    assert_eq!(
        status(
            &server,
            &sign(Algorithm::RS256, &rsa_key(), Some("rsa-1"), &claims())
        )
        .await
        .0,
        200
    );
    assert_eq!(
        status(
            &server,
            &sign(Algorithm::ES256, &ec_key(), Some("ec-1"), &claims())
        )
        .await
        .0,
        200
    );
    assert_rejected(
        &server,
        &sign(Algorithm::ES256, &ec_key(), Some("rsa-1"), &claims()),
        "kid of another key",
    )
    .await;
    assert_rejected(
        &server,
        &sign(Algorithm::RS256, &rsa_key(), Some("nope"), &claims()),
        "unknown kid",
    )
    .await;
    assert_rejected(
        &server,
        &sign(Algorithm::RS256, &rsa_key(), None, &claims()),
        "no kid, two keys",
    )
    .await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A tiny HTTP server that answers every request with the current JWKS and counts the requests.
async fn jwks_endpoint(set: Arc<std::sync::Mutex<JwkSet>>, hits: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let set = set.clone();
            let hits = hits.clone();
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                hits.fetch_add(1, Ordering::SeqCst);
                let body = serde_json::to_string(&*set.lock().unwrap()).unwrap();
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/jwks.json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_url_is_cached_and_refetched_at_most_once_a_minute_for_unknown_kids() {
    let set = Arc::new(std::sync::Mutex::new(JwkSet {
        keys: vec![jwk(&rsa_key(), Algorithm::RS256, "k1")],
    }));
    let hits = Arc::new(AtomicUsize::new(0));
    let url = jwks_endpoint(set.clone(), hits.clone()).await;
    let server = TestServer::start_with(|c| {
        c.jwt_secret = None;
        c.jwt_jwks_url = Some(url);
        c.jwt_algorithms = Some("RS256,ES256".into());
    })
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "fetched once at start");
    for _ in 0..3 {
        assert_eq!(
            status(
                &server,
                &sign(Algorithm::RS256, &rsa_key(), Some("k1"), &claims())
            )
            .await
            .0,
            200
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "known kids come from the cache"
    );

    // A rotated-in key: the start-up fetch was under a minute ago, so the unknown kid is refused
    // without a refetch...
    set.lock()
        .unwrap()
        .keys
        .push(jwk(&ec_key(), Algorithm::ES256, "k2"));
    let token = sign(Algorithm::ES256, &ec_key(), Some("k2"), &claims());
    assert_rejected(&server, &token, "kid unknown within the minute").await;
    assert_rejected(&server, &token, "kid unknown within the minute, again").await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "no refetch within a minute");

    // ...and once a minute has passed, the unknown kid triggers one refetch that finds it.
    server.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(status(&server, &token).await.0, 200);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(status(&server, &token).await.0, 200);
    assert_rejected(
        &server,
        &sign(Algorithm::ES256, &ec_key(), Some("k3"), &claims()),
        "unknown kid",
    )
    .await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "still at most one refetch a minute"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crit_scope_separators_bearer_case_lifetime_and_typ() {
    let server = TestServer::start_with(|c| c.jwt_max_lifetime = "2h".into()).await;
    let secret = EncodingKey::from_secret(SECRET.as_bytes());
    // A crit header naming an extension this server does not implement.
    let mut header = Header::new(Algorithm::HS256);
    header.crit = Some(vec!["exp-2".into()]);
    let crit = jsonwebtoken::encode(&header, &claims(), &secret).unwrap();
    assert_rejected(&server, &crit, "crit").await;
    // Only U+0020 separates scopes: a newline or NBSP does not grant audit:read.
    for joined in ["users:read\naudit:read", "users:read\u{a0}audit:read"] {
        let token = hs256(&with(claims(), "scope", json!(joined)));
        let audit = server
            .http()
            .get(server.url("/v1/audit-events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(audit.status(), 403, "{joined:?}");
    }
    let two = hs256(&with(claims(), "scope", json!("users:read audit:read")));
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let answer = server
            .http()
            .get(server.url("/v1/audit-events"))
            .header("authorization", format!("{scheme} {two}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{scheme}");
    }
    // exp beyond the configured maximum lifetime (2 h here).
    let long = hs256(&with(claims(), "exp", json!(now() + 3 * 3600)));
    assert_rejected(&server, &long, "exp beyond jwt_max_lifetime").await;
    let within = hs256(&with(claims(), "exp", json!(now() + 3600)));
    assert_eq!(status(&server, &within).await.0, 200);

    let typed = TestServer::start_with(|c| c.jwt_typ = Some("at+jwt".into())).await;
    assert_rejected(
        &typed,
        &hs256(&claims()),
        "typ JWT where at+jwt is required",
    )
    .await;
    for typ in ["at+jwt", "application/at+jwt", "AT+JWT"] {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(typ.into());
        let token = jsonwebtoken::encode(&header, &claims(), &secret).unwrap();
        assert_eq!(status(&typed, &token).await.0, 200, "{typ}");
    }
}
