//! Bulk work is stored in groups, each its own transaction, so a large import or batch never turns
//! other writes into errors: they get in between the groups.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use serde_json::{Value, json};

const ROWS: usize = 30_000;
const BATCH: usize = 10_000;

/// Posts `body` to `path` while single user creations go on; every one of those must succeed.
/// Answers the bulk request's status and body, and how many single writes finished while it ran.
async fn while_writing(
    server: &Arc<TestServer>,
    path: &str,
    body: Value,
    singles: &AtomicUsize,
) -> (u16, Value, usize) {
    let token = server.token("admin", Scope::ALL);
    let running = Arc::new(AtomicBool::new(true));
    let bulk = {
        let (server, token, running) = (server.clone(), token.clone(), running.clone());
        let url = server.url(path);
        tokio::spawn(async move {
            let response = server
                .http()
                .post(url)
                .bearer_auth(&token)
                .json(&body)
                .timeout(std::time::Duration::from_secs(600))
                .send()
                .await
                .unwrap();
            running.store(false, Ordering::SeqCst);
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        })
    };
    let mut during = 0;
    while running.load(Ordering::SeqCst) {
        let n = singles.fetch_add(1, Ordering::SeqCst);
        let response = server
            .http()
            .post(server.url("/v1/users"))
            .bearer_auth(&token)
            .json(&json!({"username": format!("single{n}")}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 201, "a write failed while {path} ran: {text}");
        if running.load(Ordering::SeqCst) {
            during += 1;
        }
    }
    let (status, answer) = bulk.await.unwrap();
    (status, answer, during)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writes_succeed_while_a_large_import_and_batch_run() {
    let server = Arc::new(TestServer::start().await);
    let singles = AtomicUsize::new(0);
    let users: Vec<Value> = (0..ROWS)
        .map(|i| json!({"username": format!("bulk{i:05}"), "display_name": format!("Bulk {i}")}))
        .collect();
    bulk_with_writes(
        &server,
        "/v1/users/import",
        json!({"users": users}),
        &singles,
        ("created", ROWS, "import_users"),
    )
    .await;
    assert_eq!(
        server.count_rows("users WHERE username LIKE 'bulk%'"),
        ROWS as i64
    );
    let items: Vec<Value> = (0..BATCH)
        .map(|i| json!({"user": format!("bulk{i:05}"), "service": "personal-email", "address": format!("bulk{i}@example.com")}))
        .collect();
    let body = json!({"items": items});
    bulk_with_writes(
        &server,
        "/v1/enrollments/batch",
        body,
        &singles,
        ("enrolled", BATCH, "create_enrollment_batch"),
    )
    .await;
}

/// Runs a bulk request while single writes go on, and checks that every item was done and that
/// single writes were stored in between its groups.
async fn bulk_with_writes(
    server: &Arc<TestServer>,
    path: &str,
    body: Value,
    singles: &AtomicUsize,
    (done_field, items, action): (&str, usize, &str),
) {
    let (status, answer, during) = while_writing(server, path, body, singles).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer[done_field].as_u64(), Some(items as u64), "{path}");
    assert_eq!(answer["failed"].as_u64(), Some(0), "{path}");
    assert!(during >= 1, "no write finished during {path}");
    assert!(
        interleaved(server, action) >= 1,
        "no write got in between the groups of {path}"
    );
}

/// How many single user creations were stored between the first and the last row of a bulk
/// operation (audit ids are time-ordered UUIDv7, made as each row is written).
fn interleaved(server: &TestServer, bulk_action: &str) -> i64 {
    let bound =
        |f: &str| format!("(SELECT {f}(id) FROM audit_events WHERE action = '{bulk_action}')");
    server.count_rows(&format!(
        "audit_events WHERE action = 'create_user' AND id > {} AND id < {}",
        bound("MIN"),
        bound("MAX")
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_cannot_get_the_lock_answers_503_with_retry_after() {
    use diesel::connection::SimpleConnection;
    let server = TestServer::start().await;
    // Another process holds the write lock for longer than a request may wait (10 s).
    let mut holder = server.database();
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holding = std::thread::spawn(move || {
        let lock = match &mut holder {
            enrolld::db::DbConn::Sqlite(_) => "BEGIN IMMEDIATE",
            enrolld::db::DbConn::Postgresql(_) => "BEGIN; LOCK TABLE users IN EXCLUSIVE MODE",
        };
        holder.batch_execute(lock).unwrap();
        held_tx.send(()).unwrap();
        let _ = release_rx.recv();
        holder.batch_execute("ROLLBACK").unwrap();
    });
    held_rx.recv().unwrap();
    let create = || {
        server
            .http()
            .post(server.url("/v1/users"))
            .bearer_auth(server.token("admin", Scope::ALL))
            .json(&json!({"username": "waiting"}))
            .send()
    };
    let response = create().await.unwrap();
    release_tx.send(()).unwrap();
    holding.join().unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "2");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "database_busy");
    assert!(problem["instance"].is_string());
    // Nothing was stored, and the same request now succeeds.
    assert_eq!(create().await.unwrap().status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_writes_succeed_while_a_large_task_is_created_resent_and_emptied() {
    const USERS: usize = 2_000;
    let server = Arc::new(TestServer::start().await);
    let singles = AtomicUsize::new(0);
    let users: Vec<Value> = (0..USERS)
        .map(
            |i| json!({"username": format!("task{i:04}"), "email": format!("task{i}@example.com")}),
        )
        .collect();
    let names: Vec<String> = (0..USERS).map(|i| format!("task{i:04}")).collect();
    let token = server.token("admin", Scope::ALL);
    let imported = server
        .http()
        .post(server.url("/v1/users/import"))
        .bearer_auth(&token)
        .json(&json!({"users": users}))
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let body = json!({"users": names, "token_type": "software-totp"});
    let (status, created, during) =
        while_writing(&server, "/v1/provisioning-tasks", body, &singles).await;
    assert_eq!(status, 201, "{created}");
    let provisioned = created["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "provisioned" && r["entry_id"].is_string())
        .count();
    assert_eq!(provisioned, USERS);
    assert_eq!(created["count"], USERS);
    assert_eq!(created["counts"]["active"], USERS);
    assert!(during >= 1, "no write finished during the task's creation");
    assert!(interleaved(&server, "create_provisioning_task") >= 1);
    let number = created["number"].as_i64().unwrap();
    assert_eq!(
        server.count_rows(&format!("task_entries WHERE task_number = {number}")),
        USERS as i64
    );

    // Resending to every active entry, then removing every user, run in groups too.
    let path = format!("/v1/provisioning-tasks/{number}/resend");
    let (status, resent, _) = while_writing(&server, &path, json!({}), &singles).await;
    assert_eq!(status, 200, "{resent}");
    assert_eq!(resent["changed"], USERS);
    assert!(interleaved(&server, "resend_provisioning_task") >= 1);
    let names: Vec<String> = (0..USERS).map(|i| format!("task{i:04}")).collect();
    let path = format!("/v1/provisioning-tasks/{number}/remove-users");
    let (status, removed, _) =
        while_writing(&server, &path, json!({"users": names}), &singles).await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["changed"], USERS);
    assert_eq!(removed["task"]["counts"]["canceled"], USERS);
    assert!(interleaved(&server, "remove_provisioning_task_users") >= 1);
}
