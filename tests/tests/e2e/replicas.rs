//! Several replicas on one database behave as one server: they share one configured key (a key
//! ring, so it can be rotated), whatever their working directories.

use std::sync::atomic::Ordering;
use std::time::Duration;

use enrolld::clock::Clock;
use enrolld::config::Config;
use enrolld_tests::sinks::{SmtpSink, code_in, free_port};
use enrolld_tests::{TestServer, new_user, types};

use enrolld_tests::fixtures::{create_users, link_secret, start_email_verification, totp};

/// A second replica of `first`: same database, delivery targets and clock, its own working
/// directory.
async fn replica_of(first: &TestServer, adjust: impl FnOnce(&mut Config)) -> TestServer {
    let database_url = first.config.database_url.clone();
    let smtp_url = first.config.smtp_url.clone();
    let sms_url = first.config.sms_gateway_url.clone();
    TestServer::start_on(first.clock.clone(), move |c| {
        c.database_url = database_url;
        c.smtp_url = smtp_url;
        c.sms_gateway_url = sms_url;
        adjust(c);
    })
    .await
}

async fn start_verification(server: &TestServer, user: &str) -> String {
    start_email_verification(&server.admin(), user).await.id
}

async fn confirm(server: &TestServer, id: &str, code: String) -> types::IdentityVerification {
    server
        .admin()
        .confirm_identity_verification()
        .id(id)
        .body(types::CodeInput { code })
        .send()
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_outbox_rows_and_self_enrollments_cross_replicas() {
    let a = TestServer::start().await;
    let b = replica_of(&a, |_| {}).await;
    create_users(&a.admin(), &["bob", "carol"]).await;

    // A code sent through A verifies through B.
    let started = start_verification(&a, "bob").await;
    let code = code_in(&a.smtp.nth_to("bob@example.com", 0).await.text());
    let confirmed = confirm(&b, &started, code).await;
    assert_eq!(confirmed.status, types::ChallengeStatus::Verified);

    // An outbox row written by a replica that cannot reach the mail server is delivered by another.
    let writer = replica_of(&a, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{}", free_port()));
    })
    .await;
    let started = start_verification(&writer, "carol").await;
    // The writer's relay tries once (and fails); then the writer is gone and only A and B remain.
    writer.relay_once("email").await;
    drop(writer);
    let email = a.smtp.nth_to("carol@example.com", 0).await;
    let confirmed = confirm(&b, &started, code_in(&email.text())).await;
    assert_eq!(confirmed.status, types::ChallengeStatus::Verified);

    // A self-enrollment started on A completes on B.
    a.admin()
        .create_provisioning_task()
        .body(enrolld_tests::fixtures::task_request(&["bob"], None))
        .send()
        .await
        .unwrap();
    let email = a.smtp.nth_to("bob@example.com", 1).await;
    let secret = link_secret(&email.text());
    let token = start_self_enrollment(&a, &secret).await;
    complete_self_enrollment(&b, secret, &token).await;
}

/// Starts a self-enrollment through `server` with a link's secret.
async fn start_self_enrollment(server: &TestServer, secret: &str) -> types::SelfEnrollmentToken {
    enrolld_tests::Client::new(&server.base_url)
        .start_self_enrollment()
        .body(types::StartSelfEnrollment {
            secret: secret.to_owned(),
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Completes it through `server` with a code from the token, which is then enrolled.
async fn complete_self_enrollment(
    server: &TestServer,
    secret: String,
    token: &types::SelfEnrollmentToken,
) {
    let done = enrolld_tests::Client::new(&server.base_url)
        .complete_self_enrollment()
        .body(types::CompleteSelfEnrollment {
            secret,
            otp: totp(&token.otpauth_uri, server.clock.now().timestamp()),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.serial, token.serial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_keeps_everything_pending_working() {
    let old = TestServer::start().await;
    create_users(&old.admin(), &["bob"]).await;
    let started = start_verification(&old, "bob").await;
    let code = code_in(&old.smtp.nth_to("bob@example.com", 0).await.text());
    old.admin()
        .create_provisioning_task()
        .body(enrolld_tests::fixtures::task_request(&["bob"], None))
        .send()
        .await
        .unwrap();
    let secret = link_secret(&old.smtp.nth_to("bob@example.com", 1).await.text());
    let token = start_self_enrollment(&old, &secret).await;
    // An outbox row sealed with the old key waits: the old server's relay has stopped.
    old.state.stopping.store(true, Ordering::SeqCst);
    create_users(&old.admin(), &["carol"]).await;
    let pending = start_verification(&old, "carol").await;
    assert_eq!(
        old.count_rows("notifications WHERE status = 'pending'"),
        1,
        "carol's code is not yet sent"
    );
    let old_key = old.config.secret_key.clone().unwrap();
    // Rotate: a replica with a new current key and the old one listed as previous. Its relay opens
    // and delivers the row the old key sealed.
    let new_key = enrolld::crypto::generate_key().unwrap();
    let rotated = replica_of(&old, move |c| {
        c.secret_key = Some(new_key);
        c.secret_key_previous = Some(old_key);
    })
    .await;
    assert_eq!(
        confirm(&rotated, &started, code).await.status,
        types::ChallengeStatus::Verified
    );
    complete_self_enrollment(&rotated, secret, &token).await;
    let code = code_in(&old.smtp.nth_to("carol@example.com", 0).await.text());
    assert_eq!(
        confirm(&rotated, &pending, code).await.status,
        types::ChallengeStatus::Verified
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalling_mail_server_causes_no_duplicate_and_no_late_code() {
    // Codes are written at t0 (valid for 10 minutes) by a replica whose relay is stopped.
    let t0 = chrono::Utc::now();
    let writer = TestServer::start_on(Clock::fixed(t0), |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{}", free_port()));
    })
    .await;
    writer.state.stopping.store(true, Ordering::SeqCst);
    let users = ["u1", "u2", "u3", "u4", "u5", "u6"];
    create_users(&writer.admin(), &users).await;
    for user in users {
        start_verification(&writer, user).await;
    }
    let mut sam = new_user("sam");
    sam.phone = Some("+15550002222".into());
    writer.admin().create_user().body(sam).send().await.unwrap();

    // Ten seconds before the codes expire, two replicas relay to a mail server that takes 5 s per
    // message.
    writer.clock.set(t0 + chrono::Duration::seconds(590));
    let (slow, slow_addr) = SmtpSink::start_stalling("127.0.0.1:0", Duration::from_secs(5)).await;
    let slow_url = format!("smtp://{slow_addr}");
    let url = slow_url.clone();
    let a = replica_of(&writer, move |c| c.smtp_url = Some(url)).await;
    let b = replica_of(&writer, move |c| c.smtp_url = Some(slow_url)).await;
    wait_until(|| slow.started() >= 2).await;

    // SMS does not wait for the stalled mail.
    a.admin()
        .create_identity_verification()
        .user("sam")
        .body(types::StartIdentityVerification {
            channel: types::CodeChannel::Sms,
        })
        .send()
        .await
        .unwrap();
    writer.sms.nth_to("+15550002222", 0).await;
    assert!(slow.received().is_empty(), "the SMS waited for the mail");

    // The codes expire while both replicas wait on the mail server: what was already being sent
    // arrives, nothing else does.
    let in_flight = slow.started();
    writer.clock.set(t0 + chrono::Duration::seconds(601));
    let finished = "notifications WHERE channel = 'email' AND status IN ('sent', 'expired')";
    wait_until(|| a.count_rows(finished) == 6).await;
    let delivered = slow.received();
    assert_eq!(delivered.len(), in_flight);
    let mut recipients: Vec<String> = delivered.iter().map(|e| e.to.join(",")).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), in_flight, "a message was sent twice");
    let sent = a.count_rows("notifications WHERE channel = 'email' AND status = 'sent'");
    assert_eq!(sent as usize, in_flight);
    drop(b);
}

/// Polls `condition` every 50 ms for up to 30 s.
async fn wait_until(condition: impl Fn() -> bool) {
    for _ in 0..600 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not met within 30 s");
}
