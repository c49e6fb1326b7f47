//! `Idempotency-Key` on every operation that creates something: a retry answers with the first
//! answer and stores nothing more, the same key with another request is refused, and a key whose
//! first request is still running is answered 409.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use enrolld::clock::Clock;
use enrolld_tests::fixtures::{
    BOB_PHONE, create_bob, create_users, email_challenge, item, sms_challenge, start_challenge,
    task_request,
};
use enrolld_tests::petitions::{create_flow, flow, petition};
use enrolld_tests::{TestServer, committed_operations, new_user, problem_of, types};
use serde_json::json;

/// How many rows each table has (the relay may meanwhile mark messages sent, so not the rows).
fn row_counts(server: &TestServer) -> Vec<String> {
    let dump = server.dump();
    dump.lines()
        .filter(|l| l.starts_with("== "))
        .map(str::to_owned)
        .collect()
}

/// Sends `request` with `key` twice (the second is answered from the first: same body,
/// `Idempotent-Replayed: true`, nothing stored), then `other` with the same key (422).
macro_rules! replayed {
    ($server:expr, $seen:expr, $operation:literal, $request:expr, $other:expr) => {{
        let key = concat!("key-", $operation);
        let first = match $request.idempotency_key(key).send().await {
            Ok(answer) => answer,
            Err(error) => panic!("{}: {error:?}", $operation),
        };
        assert!(
            first.headers().get("idempotent-replayed").is_none(),
            "{}",
            $operation
        );
        let stored = row_counts(&$server);
        let again = $request.idempotency_key(key).send().await.unwrap();
        assert_eq!(again.status(), first.status(), "{}", $operation);
        assert_eq!(
            again
                .headers()
                .get("idempotent-replayed")
                .map(|v| v.to_str().unwrap()),
            Some("true"),
            "{}",
            $operation
        );
        assert_eq!(
            serde_json::to_value(again.into_inner()).unwrap(),
            serde_json::to_value(first.into_inner()).unwrap(),
            "{}: the replay is the first answer",
            $operation
        );
        assert_eq!(
            row_counts(&$server),
            stored,
            "{}: the replay stored something",
            $operation
        );
        let reused = problem_of($other.idempotency_key(key).send().await);
        assert_eq!(reused.status, 422, "{}", $operation);
        assert_eq!(
            reused.code,
            types::ErrorCode::IdempotencyKeyReused,
            "{}",
            $operation
        );
        $seen.insert($operation.to_owned());
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_create_answers_with_the_first_answer_and_creates_nothing_more() {
    let server = TestServer::start_on(Clock::fixed(Utc::now()), |_| {}).await;
    let admin = server.admin();
    server.stop_enforcing_identity_verification().await;
    create_bob(&admin).await;
    create_users(&admin, &["carol", "dave", "erin"]).await;
    let mut seen = BTreeSet::new();
    replay_directory(&server, &mut seen).await;
    replay_codes(&server, &mut seen).await;
    replay_sessions_and_tasks(&server, &mut seen).await;
    assert_eq!(seen, operations_taking_a_key());
}

/// Users and batch enrollments.
async fn replay_directory(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    replayed!(
        server,
        seen,
        "create_user",
        admin.create_user().body(new_user("zed")),
        admin.create_user().body(new_user("zoe"))
    );
    let import = |name: &str| types::ImportUsers {
        users: vec![new_user(name)],
    };
    replayed!(
        server,
        seen,
        "import_users",
        admin.import_users().body(import("yan")),
        admin.import_users().body(import("yin"))
    );
    replayed!(
        server,
        seen,
        "create_enrollment_batch",
        admin.create_enrollment_batch().body(types::BatchEnroll {
            items: vec![item("dave")]
        }),
        admin.create_enrollment_batch().body(types::BatchEnroll {
            items: vec![item("erin")]
        })
    );
    let source = |name: &str| -> types::CreateIdentitySource {
        serde_json::from_value(serde_json::json!({"name": name, "kind": "file",
            "file": {"path": "people.csv"}}))
        .unwrap()
    };
    replayed!(
        server,
        seen,
        "create_identity_source",
        admin.create_identity_source().body(source("pilot")),
        admin.create_identity_source().body(source("other"))
    );
    let body = |name: &str, authorization: &str| {
        flow(json!({"name": name, "authorization": authorization}))
    };
    replayed!(
        server,
        seen,
        "create_enrollment_flow",
        admin
            .create_enrollment_flow()
            .body(body("staff", "invitation")),
        admin
            .create_enrollment_flow()
            .body(body("other", "invitation"))
    );
    create_flow(
        server,
        json!({"name": "lab", "authorization": "administrator"}),
    )
    .await;
    replayed!(
        server,
        seen,
        "create_invitation",
        admin
            .create_invitation()
            .flow("staff")
            .body(petition("anna@example.org", json!({}))),
        admin
            .create_invitation()
            .flow("staff")
            .body(petition("otto@example.org", json!({})))
    );
    replayed!(
        server,
        seen,
        "create_petition",
        admin
            .create_petition()
            .flow("lab")
            .body(petition("lena@example.org", json!({}))),
        admin
            .create_petition()
            .flow("lab")
            .body(petition("lars@example.org", json!({})))
    );
}

/// Identity verifications and enrollment challenges.
async fn replay_codes(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    let by = |channel| types::StartIdentityVerification { channel };
    replayed!(
        server,
        seen,
        "create_identity_verification",
        admin
            .create_identity_verification()
            .user("bob")
            .body(by(types::CodeChannel::Email)),
        admin
            .create_identity_verification()
            .user("bob")
            .body(by(types::CodeChannel::Sms))
    );
    replayed!(
        server,
        seen,
        "create_enrollment_challenge",
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(email_challenge("bob.personal@example.org")),
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(sms_challenge(BOB_PHONE))
    );
    let carol = email_challenge("carol.personal@example.org");
    let challenge = start_challenge(&admin, "carol", carol).await;
    let other = start_challenge(&admin, "dave", sms_challenge("+15557654321")).await;
    server.clock.advance(Duration::seconds(31));
    replayed!(
        server,
        seen,
        "resend_enrollment_challenge",
        admin.resend_enrollment_challenge().id(&challenge.id),
        admin.resend_enrollment_challenge().id(&other.id)
    );
}

/// Registration sessions and provisioning tasks.
async fn replay_sessions_and_tasks(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    let session = |notify: Vec<types::NotifyChannel>| types::CreateRegistrationSession {
        hours_to_live: None,
        notify,
        force: Some(true),
    };
    replayed!(
        server,
        seen,
        "create_registration_session",
        admin
            .create_registration_session()
            .user("carol")
            .body(session(vec![])),
        admin
            .create_registration_session()
            .user("carol")
            .body(session(vec![types::NotifyChannel::Email]))
    );
    let pending = admin
        .get_current_registration_session()
        .user("carol")
        .send()
        .await
        .unwrap()
        .into_inner();
    let channels = |channel| types::NotifyRegistrationSession {
        channels: vec![channel],
    };
    replayed!(
        server,
        seen,
        "send_registration_session_notifications",
        admin
            .send_registration_session_notifications()
            .id(&pending.id)
            .body(channels(types::NotifyChannel::Email)),
        admin
            .send_registration_session_notifications()
            .id(&pending.id)
            .body(channels(types::NotifyChannel::Sms))
    );
    replayed!(
        server,
        seen,
        "create_provisioning_task",
        admin
            .create_provisioning_task()
            .body(task_request(&["erin"], None)),
        admin
            .create_provisioning_task()
            .body(task_request(&["carol"], None))
    );
    let number = admin
        .list_provisioning_tasks()
        .send()
        .await
        .unwrap()
        .into_inner()
        .items[0]
        .number;
    let resend = |users: Option<Vec<String>>| types::ResendProvisioning { users, email: None };
    replayed!(
        server,
        seen,
        "resend_provisioning_task",
        admin
            .resend_provisioning_task()
            .number(number)
            .body(resend(None)),
        admin
            .resend_provisioning_task()
            .number(number)
            .body(resend(Some(vec!["erin".into()])))
    );
}

/// The operations of the committed document that take `Idempotency-Key` (from the shared parameter).
fn operations_taking_a_key() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (_, operation) in committed_operations() {
        let takes_key = operation["parameters"].as_array().is_some_and(|ps| {
            ps.iter()
                .any(|p| p["$ref"] == "#/components/parameters/IdempotencyKey")
        });
        if takes_key {
            found.insert(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_whose_first_request_is_still_running_is_answered_409() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let users: Vec<types::CreateUser> =
        (0..50_000).map(|i| new_user(&format!("u{i:05}"))).collect();
    let body = types::ImportUsers { users };
    let first = {
        let (admin, body) = (admin.clone(), body.clone());
        tokio::spawn(async move {
            admin
                .import_users()
                .idempotency_key("big-import")
                .body(body)
                .send()
                .await
        })
    };
    // Once the first request has claimed the key (it then imports for seconds), the same request again.
    for _ in 0..400 {
        if server.count_rows("idempotency_keys") == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let running = problem_of(
        admin
            .import_users()
            .idempotency_key("big-import")
            .body(body.clone())
            .send()
            .await,
    );
    assert_eq!(running.status, 409);
    assert_eq!(running.code, types::ErrorCode::IdempotencyInProgress);
    let answered = first.await.unwrap().unwrap().into_inner();
    assert_eq!(answered.created, 50_000);
    // Once it has answered, a retry gets that answer.
    let replayed = admin
        .import_users()
        .idempotency_key("big-import")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    assert_eq!(replayed.into_inner().created, 50_000);
}
