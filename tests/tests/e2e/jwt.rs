use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use enrolld_tests::tokens::{assert_rejected, claims, ec_key, fixture, now, rsa_key, sign, status};
use enrolld_tests::{SECRET, TestServer};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(key);
    } else {
        claims[key] = value;
    }
    claims
}

fn hs256(claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
        claims,
    )
}

fn ed_key() -> EncodingKey {
    EncodingKey::from_ed_pem(&std::fs::read(fixture("ed-private.pem")).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_tokens_are_checked_claim_by_claim() {
    let server = TestServer::start().await;
    a_valid_token_is_accepted_within_the_leeway(&server).await;
    forged_tokens_are_rejected(&server).await;
    tokens_with_bad_claims_are_rejected(&server).await;
    other_algorithms_and_garbage_are_rejected(&server).await;
    an_aud_list_that_includes_this_api_is_accepted(&server).await;
    a_token_without_the_scope_is_forbidden(&server).await;
}

/// A valid token is accepted, and so is one expired within the 60 s leeway.
async fn a_valid_token_is_accepted_within_the_leeway(server: &TestServer) {
    assert_eq!(status(server, &hs256(&claims())).await.0, 200);
    // Within the 60 s leeway: still accepted.
    assert_eq!(
        status(server, &hs256(&with(claims(), "exp", json!(now() - 30))))
            .await
            .0,
        200
    );
}

/// alg none, an altered signature, the wrong secret and a swapped payload are all rejected.
async fn forged_tokens_are_rejected(server: &TestServer) {
    let header_none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims().to_string());
    assert_rejected(server, &format!("{header_none}.{payload}."), "alg none").await;
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
    assert_rejected(server, &tampered, "altered signature").await;
    let other_secret = EncodingKey::from_secret(b"another-secret-another-secret-0123456789");
    assert_rejected(
        server,
        &sign(Algorithm::HS256, &other_secret, None, &claims()),
        "wrong secret",
    )
    .await;
    let forged_payload =
        URL_SAFE_NO_PAD.encode(with(claims(), "scope", json!("audit:read")).to_string());
    let original = hs256(&claims());
    let parts: Vec<&str> = original.split('.').collect();
    assert_rejected(
        server,
        &format!("{}.{forged_payload}.{}", parts[0], parts[2]),
        "swapped payload",
    )
    .await;
}

/// Each claim is checked: exp, nbf, iat, iss, aud and sub.
async fn tokens_with_bad_claims_are_rejected(server: &TestServer) {
    let cases = [
        ("exp", Value::Null, "missing exp"),
        ("exp", json!(now() - 120), "expired"),
        ("nbf", json!(now() + 300), "future nbf"),
        ("iat", json!(now() + 300), "future iat"),
        ("iss", json!("someone-else"), "wrong iss"),
        ("iss", Value::Null, "missing iss"),
        ("aud", json!("another-api"), "wrong aud"),
        ("aud", json!(["a", "b"]), "aud list without us"),
        ("sub", Value::Null, "missing sub"),
    ];
    for (claim, value, case) in cases {
        assert_rejected(server, &hs256(&with(claims(), claim, value)), case).await;
    }
}

/// An algorithm that is not pinned, garbage and an empty token are rejected.
async fn other_algorithms_and_garbage_are_rejected(server: &TestServer) {
    let hs384 = sign(
        Algorithm::HS384,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        None,
        &claims(),
    );
    assert_rejected(server, &hs384, "algorithm not pinned").await;
    assert_rejected(server, "not-a-jwt", "garbage").await;
    assert_rejected(server, "", "empty").await;
}

/// An aud list that includes this API is accepted.
async fn an_aud_list_that_includes_this_api_is_accepted(server: &TestServer) {
    assert_eq!(
        status(
            server,
            &hs256(&with(claims(), "aud", json!(["other", "enrolld"])))
        )
        .await
        .0,
        200
    );
}

/// Without the scope: 403, not 401.
async fn a_token_without_the_scope_is_forbidden(server: &TestServer) {
    let (code, challenge) = status(
        server,
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
