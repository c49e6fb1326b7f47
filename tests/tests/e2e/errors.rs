use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use serde_json::Value;

/// Sends a request and checks that the answer is a problem with this status and code.
async fn expect_problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["instance"], format!("urn:uuid:{request_id}"));
    assert!(body["type"].as_str().unwrap().ends_with(code));
    assert!(!body["title"].as_str().unwrap().is_empty());
    assert!(!body["detail"].as_str().unwrap().is_empty());
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_request_is_a_problem() {
    let server = TestServer::start_with(|c| c.max_body_bytes = 4096).await;
    let http = server.http();
    let token = server.token("admin", Scope::ALL);
    bad_bodies_are_problems(&server, &http, &token).await;
    an_oversized_body_is_a_problem(&server, &http, &token).await;
    unknown_routes_and_methods_are_problems(&server, &http, &token).await;
    bad_queries_are_problems(&server, &http, &token).await;
    an_unknown_identity_service_is_not_found(&server, &http, &token).await;
}

/// Bodies POSTed to /v1/users: (body, content type, status, code, the first field named).
const BAD_BODIES: [(&str, &str, u16, &str, Option<&str>); 8] = [
    (
        "{\"username\": ",
        "application/json",
        400,
        "malformed_json",
        None,
    ),
    ("[1, 2", "application/json", 400, "malformed_json", None),
    ("", "application/json", 400, "missing_body", None),
    (
        "{\"username\": \"a\", \"colour\": \"red\"}",
        "application/json",
        422,
        "validation_failed",
        Some("colour"),
    ),
    (
        "{\"username\": 5}",
        "application/json",
        422,
        "validation_failed",
        Some("username"),
    ),
    (
        "{\"username\": \"a\", \"state\": \"sleeping\"}",
        "application/json",
        422,
        "validation_failed",
        Some("state"),
    ),
    (
        "username=a",
        "application/x-www-form-urlencoded",
        415,
        "unsupported_media_type",
        None,
    ),
    ("{}", "text/plain", 415, "unsupported_media_type", None),
];

/// Malformed, missing, invalid or wrongly typed bodies are problems naming the bad field.
async fn bad_bodies_are_problems(server: &TestServer, http: &reqwest::Client, token: &str) {
    for (body, content_type, status, code, field) in BAD_BODIES {
        let response = http
            .post(server.url("/v1/users"))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let problem = expect_problem(response, status, code).await;
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field);
        }
    }
}

/// A body over max_body_bytes is a 413.
async fn an_oversized_body_is_a_problem(server: &TestServer, http: &reqwest::Client, token: &str) {
    let big = format!("{{\"username\": \"{}\"}}", "a".repeat(5000));
    let response = http
        .post(server.url("/v1/users"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    expect_problem(response, 413, "payload_too_large").await;
}

/// Unknown routes and resources are 404s; a wrong method is a 405 that lists the allowed ones.
async fn unknown_routes_and_methods_are_problems(
    server: &TestServer,
    http: &reqwest::Client,
    token: &str,
) {
    let response = http
        .get(server.url("/v1/no-such-thing"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    expect_problem(response, 404, "not_found").await;
    let response = http
        .put(server.url("/v1/users"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    assert_eq!(allow, "GET, POST");
    expect_problem(response, 405, "method_not_allowed").await;
    let response = http
        .get(server.url("/v1/users/nobody"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    expect_problem(response, 404, "not_found").await;
}

/// Query parameters that do not parse are 400s, naming the parameter where it is known.
async fn bad_queries_are_problems(server: &TestServer, http: &reqwest::Client, token: &str) {
    for (path, field) in [
        ("/v1/users?limit=abc", Some("limit")),
        ("/v1/users?state=sleeping", Some("state")),
        ("/v1/audit-events?since=yesterday", None),
    ] {
        let response = http
            .get(server.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let body = expect_problem(response, 400, "invalid_query").await;
        if let Some(field) = field {
            assert_eq!(body["errors"][0]["field"], field);
        }
    }
}

/// Patching an identity service that does not exist is a 404.
async fn an_unknown_identity_service_is_not_found(
    server: &TestServer,
    http: &reqwest::Client,
    token: &str,
) {
    let response = http
        .patch(server.url("/v1/identity-services/carrier-pigeon"))
        .bearer_auth(token)
        .json(&serde_json::json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    expect_problem(response, 404, "not_found").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arbitrary_input_never_produces_a_server_error() {
    let server = TestServer::start().await;
    let http = server.http();
    let token = server.token("admin", Scope::ALL);
    let bodies = [
        "null",
        "0",
        "\"text\"",
        "[]",
        "{}",
        "{\"users\": null}",
        "{\"users\": [{}]}",
        "{\"users\": [null]}",
        "{\"username\": \"\\u0000\"}",
        "{\"username\": \"x\", \"email\": \"a@b.c\", \"phone\": \"+\"}",
        "{\"username\": \"ok\", \"display_name\": \"\\n\"}",
        "{\"enabled\": \"yes\"}",
        "\u{feff}{}",
    ];
    let targets = [
        ("POST", "/v1/users"),
        ("POST", "/v1/users/import"),
        ("PATCH", "/v1/users/someone"),
        ("PATCH", "/v1/identity-services/personal-email"),
    ];
    for (method, path) in targets {
        for body in bodies {
            let response = http
                .request(method.parse().unwrap(), server.url(path))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            assert!(
                (200..500).contains(&status),
                "{method} {path} {body:?} → {status}"
            );
            if status >= 400 {
                assert_eq!(
                    response.headers()["content-type"],
                    "application/problem+json"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_target_or_header_is_a_problem_too() {
    let server = TestServer::start().await;
    let long_query = format!("/v1/users?q={}", "a".repeat(10_000));
    let response = server
        .http()
        .get(server.url(&long_query))
        .send()
        .await
        .unwrap();
    expect_problem(response, 414, "uri_too_long").await;
    let response = server
        .http()
        .get(server.url("/v1/users"))
        .header("x-padding", "a".repeat(40_000))
        .send()
        .await
        .unwrap();
    expect_problem(response, 431, "headers_too_large").await;
    // Within the limits, the same request reaches authentication.
    let response = server
        .http()
        .get(server.url("/v1/users?q=a"))
        .header("x-padding", "a".repeat(1_000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_if_match_is_a_bad_request() {
    let server = TestServer::start().await;
    let token = server.token("admin", Scope::ALL);
    server
        .http()
        .post(server.url("/v1/users"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"username": "ann"}))
        .send()
        .await
        .unwrap();
    for value in ["", "v1", "\"v1", "\"a\"b\""] {
        let response = server
            .http()
            .patch(server.url("/v1/users/ann"))
            .bearer_auth(&token)
            .header("if-match", value)
            .json(&serde_json::json!({"display_name": "Ann"}))
            .send()
            .await
            .unwrap();
        let problem = expect_problem(response, 400, "invalid_header").await;
        assert!(problem["detail"].as_str().unwrap().contains("RFC 9110"));
    }
}
