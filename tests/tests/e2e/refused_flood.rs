//! A flood of refused unauthenticated requests is audited per source and minute, not per request.

use enrolld_tests::TestServer;
use futures_util::StreamExt;
use serde_json::Value;

const REQUESTS: usize = 10_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_refused_requests_add_a_few_audit_rows() {
    let server = TestServer::start().await;
    let before = server.count_rows("audit_events");
    let http = server.http();
    let statuses: Vec<u16> = futures_util::stream::iter(0..REQUESTS)
        .map(|i| {
            let mut request = http.get(server.url("/v1/users"));
            // No token, a malformed one and a forged one: every kind of refusal.
            match i % 3 {
                0 => {}
                1 => request = request.bearer_auth("not-a-jwt"),
                _ => request = request.bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.AAAA"),
            }
            async move { request.send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 401));
    let during = server.count_rows("audit_events") - before;
    // The first refusal of each minute is recorded at once (the run may cross a minute boundary).
    assert!((1..=3).contains(&during), "{during} rows while flooding");

    // After the minute, the next refusal (or the sweep) writes the summary of the minutes before.
    server.clock.advance(chrono::Duration::minutes(2));
    let last = http.get(server.url("/v1/users")).send().await.unwrap();
    assert_eq!(last.status(), 401);
    let rows = refused_rows(&server).await;
    assert!(
        rows.len() <= 6,
        "{} rows for {} refusals",
        rows.len(),
        REQUESTS + 1
    );
    let counted: u64 = rows
        .iter()
        .map(|row| row["detail"]["count"].as_u64().unwrap_or(1))
        .sum();
    assert_eq!(counted, REQUESTS as u64 + 1);
    let summary = rows
        .iter()
        .find(|r| r["detail"]["repeated"] == true)
        .unwrap();
    assert_eq!(summary["detail"]["source"], "127.0.0.1");
    assert_eq!(summary["actor"]["type"], "anonymous");
    assert_eq!(summary["outcome"], "denied");
    let reasons = summary["detail"]["reasons"].as_object().unwrap();
    assert!(reasons.len() >= 2, "{reasons:?}");
}

/// Every `authentication_failed` event, through the API.
async fn refused_rows(server: &TestServer) -> Vec<Value> {
    let page: Value = server
        .http()
        .get(server.url("/v1/audit-events?action=authentication_failed&limit=500"))
        .bearer_auth(server.token("auditor", &[enrolld::auth::scopes::Scope::AuditRead]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}
