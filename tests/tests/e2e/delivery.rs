use chrono::Duration;
use diesel::RunQueryDsl;
use diesel::sql_types::Text;
use enrolld_tests::sinks::{SmtpSink, code_in, free_port};
use enrolld_tests::{TestServer, types};

use enrolld_tests::fixtures::{BOB_EMAIL, create_bob, start_email_verification};

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every row of every table, as text (what a copy of the database would reveal).
pub fn database_text(server: &TestServer) -> String {
    let mut conn = server.database();
    let tables = [
        "users",
        "audit_events",
        "code_challenges",
        "notifications",
        "enrollments",
        "rate_limits",
        "settings",
        "task_entries",
        "provisioning_tasks",
    ];
    let mut out = String::new();
    for table in tables {
        let query = match &conn {
            enrolld::db::DbConn::Postgresql(_) => {
                format!("SELECT CAST(row_to_json(t) AS TEXT) AS line FROM {table} t")
            }
            enrolld::db::DbConn::Sqlite(_) => sqlite_dump(table),
        };
        for row in diesel::sql_query(query).load::<Line>(&mut conn).unwrap() {
            out.push_str(&row.line);
            out.push('\n');
        }
    }
    out
}

/// Whether every notification's content has been wiped.
fn contents_wiped(server: &TestServer) -> bool {
    use diesel::prelude::*;
    use enrolld::db::schema::notifications;
    let mut conn = server.database();
    let contents: Vec<Option<String>> = notifications::table
        .select(notifications::sealed_content)
        .load(&mut conn)
        .unwrap();
    contents.iter().all(Option::is_none)
}

fn sqlite_dump(table: &str) -> String {
    let columns: &[&str] = match table {
        "users" => &["id", "username", "display_name", "email", "phone"],
        "task_entries" => &[
            "id",
            "emailed_to",
            "serial",
            "coalesce(sealed_totp_key, '')",
        ],
        "provisioning_tasks" => &["number", "operator_id", "coalesce(emailed_to, '')"],
        "audit_events" => &["id", "action", "target_id", "detail"],
        "code_challenges" => &["id", "address", "code_hash", "expires_at"],
        "notifications" => &[
            "id",
            "recipient",
            "template",
            "coalesce(sealed_content, '')",
            "coalesce(last_error, '')",
        ],
        "enrollments" => &["id", "address", "method"],
        "rate_limits" => &["key", "window_start"],
        _ => &["key", "value"],
    };
    let parts: Vec<String> = columns
        .iter()
        .map(|c| format!("coalesce(CAST({c} AS TEXT), '')"))
        .collect();
    format!("SELECT {} AS line FROM {table}", parts.join(" || '|' || "))
}

/// Asks `probe` every 50 ms until it answers (at most 10 s).
async fn until<T>(what: &str, probe: impl AsyncFn() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("gave up waiting: {what}");
}

/// Waits until Bob's newest notification has failed at least once, and returns it.
async fn wait_for_failed_attempt(admin: &enrolld_tests::Client) -> types::Notification {
    until("a failed delivery attempt", async || {
        let page = admin
            .list_notifications()
            .user("bob")
            .send()
            .await
            .unwrap()
            .into_inner();
        (page.items[0].attempts >= 1).then(|| page.items[0].clone())
    })
    .await
}

/// Waits until `count` notifications are recorded as sent (the relay marks a message sent just after
/// the mail server took it).
async fn wait_until_sent(admin: &enrolld_tests::Client, count: usize) -> Vec<types::Notification> {
    until("notifications marked sent", async || {
        let sent = admin
            .list_notifications()
            .status(types::NotificationStatus::Sent)
            .limit(100)
            .send()
            .await
            .unwrap()
            .into_inner();
        (sent.items.len() >= count).then_some(sent.items)
    })
    .await
}

/// A server whose mail server (on the port answered) is not running yet.
async fn with_mail_server_down() -> (TestServer, u16) {
    let port = free_port();
    let server =
        TestServer::start_with(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    (server, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_delivers_exactly_once_and_codes_stay_sealed() {
    let (server, port) = with_mail_server_down().await;
    let admin = server.admin();
    create_bob(&admin).await;
    server.clock.set(server.clock.now());
    let started = start_email_verification(&admin, "bob").await;

    // The mail server is down: the message stays pending, with the failure recorded.
    let pending = wait_for_failed_attempt(&admin).await;
    assert_eq!(pending.status, types::NotificationStatus::Pending);
    assert!(
        pending.last_error.as_deref().unwrap().contains("SMTP"),
        "{:?}",
        pending.last_error
    );
    let sealed_copy = database_text(&server);

    // It comes back; once the backoff has passed, the code arrives, once.
    let (sink, _) = SmtpSink::start(&format!("127.0.0.1:{port}")).await;
    server.clock.advance(Duration::seconds(10));
    let received = sink.wait_for(1).await;
    wait_until_sent(&admin, 1).await;
    // Past every lease and backoff, a relay round finds nothing left to send.
    server.clock.advance(Duration::minutes(5));
    assert_eq!(server.relay_once("email").await, 0);
    assert_eq!(sink.received().len(), 1, "delivered exactly once");
    let code = code_in(&received[0].text());
    assert_eq!(received[0].to, [BOB_EMAIL]);

    // The code was never readable in the database (sealed while pending, wiped once sent), never in a
    // response, never in the logs; and it still works.
    assert!(
        !sealed_copy.contains(&code),
        "the code was readable in the database while pending"
    );
    assert!(sealed_copy.contains(&started.id));
    let after = database_text(&server);
    assert!(!after.contains(&code));
    assert!(contents_wiped(&server));
    let sent = admin
        .list_notifications()
        .user("bob")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.items[0].status, types::NotificationStatus::Sent);
    assert!(serde_json::to_string(&sent).unwrap().find(&code).is_none());
    let confirmed = admin
        .confirm_identity_verification()
        .id(&started.id)
        .body(types::CodeInput { code: code.clone() })
        .send()
        .await
        .unwrap();
    assert!(
        !serde_json::to_string(&confirmed.into_inner())
            .unwrap()
            .contains(&code)
    );
    // As a word of its own: the shared log holds other tests' ids, where six digits may occur.
    let logs = enrolld_tests::logs::text();
    let alone = logs.match_indices(&code).any(|(at, _)| {
        let before = logs[..at].chars().next_back();
        let after = logs[at + code.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    });
    assert!(!alone, "the code appeared in the logs");
    assert!(!database_text(&server).contains(&code));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_message_is_expired_rather_than_sent_late() {
    let (server, port) = with_mail_server_down().await;
    let admin = server.admin();
    create_bob(&admin).await;
    server.clock.set(server.clock.now());
    admin
        .create_identity_verification()
        .user("bob")
        .body(types::StartIdentityVerification {
            channel: types::CodeChannel::Email,
        })
        .send()
        .await
        .unwrap();
    wait_for_failed_attempt(&admin).await;
    let (sink, _) = SmtpSink::start(&format!("127.0.0.1:{port}")).await;
    // Too late for the code: ten minutes pass before the next attempt.
    server.clock.advance(Duration::minutes(10));
    let mut status = None;
    for _ in 0..200 {
        let page = admin
            .list_notifications()
            .user("bob")
            .send()
            .await
            .unwrap()
            .into_inner();
        if page.items[0].status != types::NotificationStatus::Pending {
            status = Some(page.items[0].status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(types::NotificationStatus::Expired));
    assert!(sink.received().is_empty());
    assert!(contents_wiped(&server));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_sharing_one_database_send_each_message_once() {
    let first = TestServer::start().await;
    let second = TestServer::start_with(|c| {
        c.database_url = first.config.database_url.clone();
        c.smtp_url = first.config.smtp_url.clone();
    })
    .await;
    let admin = first.admin();
    let mut items = Vec::new();
    for i in 0..30 {
        let mut user = enrolld_tests::new_user(&format!("user{i}"));
        user.email = Some(format!("user{i}@example.com"));
        admin.create_user().body(user).send().await.unwrap();
        items.push(types::BatchEnrollItem {
            user: format!("user{i}"),
            service: "software-token".into(),
            address: format!("TOTP-{i:04}"),
        });
    }
    // Queued through the second replica; both relays compete for the 30 notices.
    let done = second
        .admin()
        .create_enrollment_batch()
        .body(types::BatchEnroll { items })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.enrolled, 30);
    let received = first.smtp.wait_for(30).await;
    let sent = wait_until_sent(&admin, 30).await;
    assert_eq!(first.relay_once("email").await, 0);
    assert_eq!(second.relay_once("email").await, 0);
    assert_eq!(first.smtp.received().len(), 30, "no message was sent twice");
    let mut recipients: Vec<String> = received.iter().map(|e| e.to[0].clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 30);
    assert_eq!(sent.len(), 30);
    assert!(sent.iter().all(|n| n.attempts == 1));
}

/// The attempts recorded on each email notification, sorted.
async fn email_attempts(admin: &enrolld_tests::Client) -> Vec<i64> {
    let page = admin
        .list_notifications()
        .send()
        .await
        .unwrap()
        .into_inner();
    let mut attempts: Vec<i64> = page.items.iter().map(|n| n.attempts as i64).collect();
    attempts.sort();
    attempts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_mail_server_costs_one_attempt_per_round_not_one_per_message() {
    let (server, port) = with_mail_server_down().await;
    let admin = server.admin();
    // The clock stands still, so once the server's own relay has found the mail server down it
    // waits (by this clock) and makes no further attempt of its own.
    server.clock.set(server.clock.now());
    enrolld_tests::fixtures::create_users(&admin, &["ann", "ben", "cat"]).await;
    for user in ["ann", "ben", "cat"] {
        start_email_verification(&admin, user).await;
    }
    wait_for_any_attempt(&admin).await;
    assert_eq!(email_attempts(&admin).await, [0, 0, 1]);

    // A round stops at the first message that finds the server unreachable: the other message
    // keeps its attempts (each one spent brings it closer to being given up).
    assert_eq!(server.relay_once("email").await, 1);
    assert_eq!(email_attempts(&admin).await, [0, 1, 1]);

    // Once the server is back, everything due goes out.
    let (sink, _) = SmtpSink::start(&format!("127.0.0.1:{port}")).await;
    server.clock.advance(Duration::minutes(1));
    sink.wait_for(3).await;
}

/// Waits until the server's own relay has attempted some email.
async fn wait_for_any_attempt(admin: &enrolld_tests::Client) {
    until("an attempt by the relay", async || {
        email_attempts(admin)
            .await
            .iter()
            .any(|a| *a > 0)
            .then_some(())
    })
    .await
}
