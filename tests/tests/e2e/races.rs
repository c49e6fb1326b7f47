//! Check-then-insert races: the database allows one pending registration session per user and one
//! active provisioning entry per user and token type, so of 20 parallel creates one wins and the
//! others get a clear 409.

use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use futures_util::future::join_all;
use serde_json::{Value, json};

use enrolld_tests::fixtures::create_users;

const PARALLEL: usize = 20;

/// Sends the same POST `PARALLEL` times at once; answers the statuses and problem codes.
async fn parallel_posts(server: &TestServer, path: &str, body: Value) -> Vec<(u16, String)> {
    let token = server.token("admin", Scope::ALL);
    let requests = (0..PARALLEL).map(|_| {
        let request = server
            .http()
            .post(server.url(path))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or_default();
            (
                status,
                answer["code"].as_str().unwrap_or_default().to_owned(),
            )
        }
    });
    join_all(requests).await
}

fn assert_one_wins(answers: &[(u16, String)], created: u16, conflict_code: &str) {
    let wins = answers.iter().filter(|(s, _)| *s == created).count();
    assert_eq!(wins, 1, "{answers:?}");
    for (status, code) in answers.iter().filter(|(s, _)| *s != created) {
        assert_eq!(
            (*status, code.as_str()),
            (409, conflict_code),
            "{answers:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_sessions_for_one_user_one_wins() {
    let server = TestServer::start().await;
    create_users(&server.admin(), &["bob"]).await;
    let answers = parallel_posts(&server, "/v1/users/bob/registration-sessions", json!({})).await;
    assert_one_wins(&answers, 201, "session_exists");
    let pending = server.count_rows("registration_sessions WHERE status = 'pending'");
    assert_eq!(pending, 1);

    // Once it has expired, a new one can be made (the lapsed one is stored as expired).
    server.clock.advance(chrono::Duration::hours(25));
    let answers = parallel_posts(&server, "/v1/users/bob/registration-sessions", json!({})).await;
    assert_one_wins(&answers, 201, "session_exists");
    assert_eq!(
        server.count_rows("registration_sessions WHERE status = 'expired'"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_parallel_tasks_for_one_user_one_wins() {
    let server = TestServer::start().await;
    create_users(&server.admin(), &["bob"]).await;
    let body = json!({"users": ["bob"], "token_type": "software-totp"});
    let answers = parallel_posts(&server, "/v1/provisioning-tasks", body.clone()).await;
    assert_one_wins(&answers, 201, "entry_exists");
    assert_eq!(server.count_rows("task_entries WHERE status = 'active'"), 1);

    // After the stop date, a new task can be made (the overdue entry is recorded as expired).
    server.clock.advance(chrono::Duration::days(40));
    let answers = parallel_posts(&server, "/v1/provisioning-tasks", body).await;
    assert_one_wins(&answers, 201, "entry_exists");
    assert_eq!(
        server.count_rows("task_entries WHERE status = 'expired'"),
        1
    );
}
