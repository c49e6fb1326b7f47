//! JWKS keys: from a file, or from the identity provider's URL with a cache that honours
//! `Cache-Control`, is refreshed so removed keys stop working, and fetches safely.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use enrolld_tests::TestServer;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use enrolld_tests::tokens::{assert_rejected, claims, ec_key, rsa_key, sign, status};

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
    assert!(
        accepted(
            &server,
            &sign(Algorithm::RS256, &rsa_key(), Some("rsa-1"), &claims())
        )
        .await
    );
    assert!(
        accepted(
            &server,
            &sign(Algorithm::ES256, &ec_key(), Some("ec-1"), &claims())
        )
        .await
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

/// A tiny HTTP server that answers every request with `respond(current set)` (a whole HTTP
/// response) and counts the requests.
async fn endpoint_with(
    set: Arc<Mutex<JwkSet>>,
    hits: Arc<AtomicUsize>,
    respond: fn(&str) -> String,
) -> String {
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
                let _ = socket.write_all(respond(&body).as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/jwks.json")
}

/// An HTTP 200 with `body` as JSON and the given extra header lines.
fn ok(body: &str, headers: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Serves the set with no cache directives.
async fn jwks_endpoint(set: Arc<Mutex<JwkSet>>, hits: Arc<AtomicUsize>) -> String {
    endpoint_with(set, hits, |body| ok(body, "")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_url_is_cached_and_refetched_at_most_once_a_minute_for_unknown_kids() {
    let set = set_of(&rsa_key(), Algorithm::RS256, "k1");
    let hits = Arc::new(AtomicUsize::new(0));
    let url = jwks_endpoint(set.clone(), hits.clone()).await;
    let server = server_for(url).await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "fetched once at start");
    for _ in 0..3 {
        assert!(
            accepted(
                &server,
                &sign(Algorithm::RS256, &rsa_key(), Some("k1"), &claims())
            )
            .await
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
    assert!(accepted(&server, &token).await);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert!(accepted(&server, &token).await);
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

/// A server verifying with the JWKS at `url`.
async fn server_for(url: String) -> TestServer {
    TestServer::start_with(|c| {
        c.jwt_secret = None;
        c.jwt_jwks_url = Some(url);
        c.jwt_algorithms = Some("RS256,ES256".into());
    })
    .await
}

/// A served set holding one key.
fn set_of(key: &EncodingKey, alg: Algorithm, kid: &str) -> Arc<Mutex<JwkSet>> {
    Arc::new(Mutex::new(JwkSet {
        keys: vec![jwk(key, alg, kid)],
    }))
}

async fn accepted(server: &TestServer, token: &str) -> bool {
    status(server, token).await.0 == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_removed_at_the_provider_stops_working_after_max_age() {
    let set = set_of(&rsa_key(), Algorithm::RS256, "old");
    let hits = Arc::new(AtomicUsize::new(0));
    let url = endpoint_with(set.clone(), hits.clone(), |body| {
        ok(body, "cache-control: public, max-age=600\r\n")
    })
    .await;
    let server = server_for(url).await;
    let old = sign(Algorithm::RS256, &rsa_key(), Some("old"), &claims());
    assert!(accepted(&server, &old).await);
    // The provider rotates: "old" is gone, "new" is in.
    set.lock().unwrap().keys = vec![jwk(&ec_key(), Algorithm::ES256, "new")];
    server.clock.advance(chrono::Duration::seconds(590));
    assert!(accepted(&server, &old).await, "still within max-age");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    server.clock.advance(chrono::Duration::seconds(11));
    assert_rejected(&server, &old, "a key removed at the provider").await;
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    let new = sign(Algorithm::ES256, &ec_key(), Some("new"), &claims());
    assert!(accepted(&server, &new).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_age_is_kept_within_a_minute_and_a_day() {
    let set = set_of(&rsa_key(), Algorithm::RS256, "k1");
    let hits = Arc::new(AtomicUsize::new(0));
    let url = endpoint_with(set.clone(), hits.clone(), |body| {
        ok(body, "cache-control: no-store\r\n")
    })
    .await;
    let server = server_for(url).await;
    let token = sign(Algorithm::RS256, &rsa_key(), Some("k1"), &claims());
    for _ in 0..5 {
        assert!(accepted(&server, &token).await);
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "no-store still caches a minute"
    );
    server.clock.advance(chrono::Duration::seconds(61));
    assert!(accepted(&server, &token).await);
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let hits = Arc::new(AtomicUsize::new(0));
    let url = endpoint_with(set, hits.clone(), |body| {
        ok(body, "cache-control: max-age=31536000\r\n")
    })
    .await;
    let server = server_for(url).await;
    server
        .clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    assert!(accepted(&server, &token).await);
    assert_eq!(hits.load(Ordering::SeqCst), 2, "a year is kept to a day");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encryption_keys_and_keys_of_another_algorithm_never_verify() {
    let mut encryption = jwk(&rsa_key(), Algorithm::RS256, "enc");
    encryption.common.public_key_use = Some(PublicKeyUse::Encryption);
    let mut other_alg = jwk(&rsa_key(), Algorithm::RS256, "rs384");
    other_alg.common.key_algorithm = Some(KeyAlgorithm::RS384);
    let set = Arc::new(Mutex::new(JwkSet {
        keys: vec![
            encryption,
            other_alg,
            jwk(&ec_key(), Algorithm::ES256, "ec"),
        ],
    }));
    let url = jwks_endpoint(set, Arc::default()).await;
    let server = server_for(url).await;
    for kid in ["enc", "rs384"] {
        let token = sign(Algorithm::RS256, &rsa_key(), Some(kid), &claims());
        assert_rejected(&server, &token, kid).await;
    }
    let token = sign(Algorithm::ES256, &ec_key(), Some("ec"), &claims());
    assert!(accepted(&server, &token).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_and_oversized_sets_are_not_followed_or_read() {
    let set = set_of(&rsa_key(), Algorithm::RS256, "k1");
    let token = sign(Algorithm::RS256, &rsa_key(), Some("k1"), &claims());
    let target_hits = Arc::new(AtomicUsize::new(0));
    let target = jwks_endpoint(set.clone(), target_hits.clone()).await;
    // The redirecting endpoint learns its target through a leaked string (fn pointers capture nothing).
    let location: &'static str = Box::leak(target.into_boxed_str());
    LOCATION.set(location).unwrap();
    let redirect = endpoint_with(set.clone(), Arc::default(), |_| {
        format!(
            "HTTP/1.1 302 Found\r\nlocation: {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            LOCATION.get().unwrap()
        )
    })
    .await;
    let server = server_for(redirect).await;
    assert_rejected(&server, &token, "keys behind a redirect").await;
    assert_eq!(
        target_hits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );

    let oversized = endpoint_with(set, Arc::default(), |body| {
        let padded = format!("{{\"pad\":\"{}\",{}", "x".repeat(300 * 1024), &body[1..]);
        ok(&padded, "")
    })
    .await;
    let server = server_for(oversized).await;
    assert_rejected(&server, &token, "keys in an oversized document").await;
}

static LOCATION: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_https_or_loopback_http_and_a_silent_provider_times_out() {
    let dir = enrolld_tests::temp_dir();
    let mut config = enrolld::config::Config {
        jwt_jwks_url: Some("http://idp.example.com/jwks.json".into()),
        database_url: enrolld_tests::fresh_database_url(&dir),
        secret_key: Some(enrolld_tests::SERVER_KEY.into()),
        listen: "127.0.0.1:0".into(),
        ..Default::default()
    };
    let refused = TestServer::start_config(config.clone(), dir.clone())
        .await
        .err()
        .unwrap();
    assert!(refused.contains("https"), "{refused}");

    // A provider that accepts the connection and never answers: start-up waits at most the timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    config.jwt_jwks_url = Some(format!(
        "http://{}/jwks.json",
        listener.local_addr().unwrap()
    ));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let started = std::time::Instant::now();
    let server = TestServer::start_config(config, dir).await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let token = sign(Algorithm::RS256, &rsa_key(), Some("k1"), &claims());
    assert_rejected(&server, &token, "no keys from a silent provider").await;
}
