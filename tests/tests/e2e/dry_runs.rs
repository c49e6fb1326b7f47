//! `dry_run=true` on every operation that changes something: the answer says what would happen, and
//! every table (the outbox and the audit log included) is exactly as it was before.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use enrolld::clock::Clock;
use enrolld_tests::fixtures::{
    BOB_PHONE, create_bob, create_users, email_challenge, item, rename, sms_challenge,
    start_challenge, start_email_verification, start_session, task_request,
};
use enrolld_tests::petitions::{
    confirm, create_flow, emailed_secret, flow, invite, outbox_settled, petition,
};
use enrolld_tests::{TestServer, committed_operations, new_user, types};
use serde_json::json;

/// Operations that change something but take no `dry_run`, each saying why in its description.
const WITHOUT_DRY_RUN: &[&str] = &[
    "register_app",
    "start_self_enrollment",
    "complete_self_enrollment",
    "start_join",
    "view_join",
    "confirm_join",
    "decline_join",
    "confirm_petition",
];

/// POST operations that change nothing (testing a source only adds the query to the audit log).
const NOT_CHANGES: &[&str] = &["preview_notification_template", "test_identity_source"];

/// The lines one dump has and the other lacks.
fn difference(before: &str, after: &str) -> String {
    let (old, new): (BTreeSet<&str>, BTreeSet<&str>) =
        (before.lines().collect(), after.lines().collect());
    let gone = old.difference(&new).map(|l| format!("- {l}"));
    let added = new.difference(&old).map(|l| format!("+ {l}"));
    gone.chain(added).collect::<Vec<_>>().join("\n")
}

/// Sends the request with `dry_run=true`, which must succeed, and checks the database is unchanged.
macro_rules! dry_run {
    ($server:expr, $seen:expr, $operation:literal, $request:expr) => {{
        let before = $server.dump();
        let status = match $request.dry_run(true).send().await {
            Ok(answer) => answer.status().as_u16(),
            Err(error) => panic!("{}: the dry run failed: {error:?}", $operation),
        };
        assert!(
            status == 200 || status == 204,
            "{}: a dry run answered {status}",
            $operation
        );
        let after = $server.dump();
        assert!(
            before == after,
            "{} changed the database in a dry run:\n{}",
            $operation,
            difference(&before, &after)
        );
        $seen.insert($operation.to_owned());
    }};
}

/// What the dry runs act on.
struct Fixtures {
    verification: String,
    challenge: String,
    session: String,
    task: i64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_of_any_operation_changes_nothing_in_the_database() {
    let server = TestServer::start_on(Clock::fixed(Utc::now()), |_| {}).await;
    let f = set_up(&server).await;
    let mut seen = BTreeSet::new();
    try_directory(&server, &mut seen).await;
    try_codes_and_settings(&server, &f, &mut seen).await;
    try_sessions_and_tasks(&server, &f, &mut seen).await;
    try_sources(&server, &mut seen).await;
    try_flows(&server, &mut seen).await;
    assert_every_change_was_tried(&seen);
}

/// Bob, Carol, Dave and Erin; a pending challenge and verification for Bob, a pending session for
/// Carol, Dave enrolled by email, a task for Dave and Erin; every message delivered.
async fn set_up(server: &TestServer) -> Fixtures {
    let admin = server.admin();
    server.stop_enforcing_identity_verification().await;
    create_bob(&admin).await;
    create_users(&admin, &["carol", "dave", "erin"]).await;
    let challenge =
        start_challenge(&admin, "bob", email_challenge("bob.personal@example.org")).await;
    let verification = start_email_verification(&admin, "bob").await;
    let session = start_session(&admin, "carol").await;
    admin
        .create_enrollment_batch()
        .body(types::BatchEnroll {
            items: vec![item("dave")],
        })
        .send()
        .await
        .unwrap();
    let task = admin
        .create_provisioning_task()
        .body(task_request(&["dave", "erin"], None))
        .send()
        .await
        .unwrap()
        .into_inner();
    // The relay delivers what the set-up queued before the dry runs start (it would change rows).
    for _ in 0..200 {
        if server.count_rows("notifications WHERE sent_at IS NULL") == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(server.count_rows("notifications WHERE sent_at IS NULL"), 0);
    // A challenge may be sent again 30 seconds after the last send.
    server.clock.advance(Duration::seconds(31));
    Fixtures {
        verification: verification.id,
        challenge: challenge.id,
        session: session.id,
        task: task.number,
    }
}

/// The directory and the identity services.
async fn try_directory(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    dry_run!(
        server,
        seen,
        "create_user",
        admin.create_user().body(new_user("zed"))
    );
    dry_run!(
        server,
        seen,
        "import_users",
        admin.import_users().body(types::ImportUsers {
            users: vec![new_user("yan")]
        })
    );
    dry_run!(
        server,
        seen,
        "update_user",
        admin.update_user().user("bob").body(rename("Robert"))
    );
    dry_run!(
        server,
        seen,
        "delete_user",
        admin.delete_user().user("erin")
    );
    dry_run!(
        server,
        seen,
        "update_identity_service",
        admin
            .update_identity_service()
            .service("mobile-code")
            .body(types::UpdateIdentityService {
                enabled: Some(false),
                agent_can_enroll: None,
                removable: None,
            })
    );
}

/// Identity sources (one made for real first, to change and delete).
async fn try_sources(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    let source = |name: &str| -> types::CreateIdentitySource {
        serde_json::from_value(serde_json::json!({"name": name, "kind": "file",
            "file": {"path": "people.csv"}}))
        .unwrap()
    };
    admin
        .create_identity_source()
        .body(source("pilot"))
        .send()
        .await
        .unwrap();
    dry_run!(
        server,
        seen,
        "create_identity_source",
        admin.create_identity_source().body(source("other"))
    );
    dry_run!(
        server,
        seen,
        "update_identity_source",
        admin.update_identity_source().source("pilot").body(
            types::UpdateIdentitySource::builder().timeout_seconds(std::num::NonZeroU32::new(3))
        )
    );
    dry_run!(
        server,
        seen,
        "delete_identity_source",
        admin.delete_identity_source().source("pilot")
    );
}

/// Enrollment flows and petitions: an invitation flow with approval and an administrator flow made
/// for real; Anna invited and confirmed (so her petition waits for approval).
async fn try_flows(server: &TestServer, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    let body = |name: &str, authorization: &str| {
        json!({"name": name, "authorization": authorization, "approval_required": true,
            "email_verification": "link"})
    };
    create_flow(server, body("staff", "invitation")).await;
    create_flow(server, body("lab", "administrator")).await;
    dry_run!(
        server,
        seen,
        "create_enrollment_flow",
        admin
            .create_enrollment_flow()
            .body(flow(body("other", "self_signup")))
    );
    dry_run!(
        server,
        seen,
        "update_enrollment_flow",
        admin
            .update_enrollment_flow()
            .flow("staff")
            .body(types::UpdateEnrollmentFlow::builder().approval_required(Some(false)))
    );
    dry_run!(
        server,
        seen,
        "delete_enrollment_flow",
        admin.delete_enrollment_flow().flow("lab")
    );
    dry_run!(
        server,
        seen,
        "create_petition",
        admin
            .create_petition()
            .flow("lab")
            .body(petition("lena@example.org", json!({})))
    );
    dry_run!(
        server,
        seen,
        "create_invitation",
        admin
            .create_invitation()
            .flow("staff")
            .body(petition("otto@example.org", json!({})))
    );
    let anna = invite(
        server,
        "staff",
        "anna@example.org",
        json!({"given_name": "Anna", "family_name": "Müller"}),
    )
    .await;
    let secret = emailed_secret(server, "anna@example.org", 0).await;
    let view = confirm(server, &secret, None).await.unwrap();
    assert_eq!(view.status, types::PetitionStatus::PendingApproval);
    outbox_settled(server).await;
    let decision = types::DecidePetition {
        comment: Some("ok".into()),
    };
    dry_run!(
        server,
        seen,
        "approve_petition",
        admin.approve_petition().id(&anna.id).body(decision.clone())
    );
    dry_run!(
        server,
        seen,
        "deny_petition",
        admin.deny_petition().id(&anna.id).body(decision.clone())
    );
    dry_run!(
        server,
        seen,
        "refresh_user_identities",
        admin.refresh_user_identities().user("bob")
    );
}

/// Codes (identity verification, enrollment challenges), templates and settings.
async fn try_codes_and_settings(server: &TestServer, f: &Fixtures, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    dry_run!(
        server,
        seen,
        "create_identity_verification",
        admin
            .create_identity_verification()
            .user("bob")
            .body(types::StartIdentityVerification {
                channel: types::CodeChannel::Sms
            })
    );
    dry_run!(
        server,
        seen,
        "confirm_identity_verification",
        admin
            .confirm_identity_verification()
            .id(&f.verification)
            .body(types::CodeInput {
                code: "123456".into()
            })
    );
    dry_run!(
        server,
        seen,
        "delete_enrollment",
        admin
            .delete_enrollment()
            .user("dave")
            .service("personal-email")
    );
    dry_run!(
        server,
        seen,
        "create_enrollment_batch",
        admin.create_enrollment_batch().body(types::BatchEnroll {
            items: vec![item("carol")]
        })
    );
    dry_run!(
        server,
        seen,
        "create_enrollment_challenge",
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(sms_challenge(BOB_PHONE))
    );
    dry_run!(
        server,
        seen,
        "verify_enrollment_challenge",
        admin
            .verify_enrollment_challenge()
            .id(&f.challenge)
            .body(types::CodeInput {
                code: "123456".into()
            })
    );
    dry_run!(
        server,
        seen,
        "resend_enrollment_challenge",
        admin.resend_enrollment_challenge().id(&f.challenge)
    );
    dry_run!(
        server,
        seen,
        "update_notification_template",
        admin
            .update_notification_template()
            .service("mobile-code")
            .channel("sms")
            .event("enrollment-code")
            .body(types::UpdateNotificationTemplate {
                subject: None,
                text: "Your code: {{Code}}".parse().unwrap(),
                html: None,
            })
    );
    dry_run!(
        server,
        seen,
        "update_identity_verification_settings",
        admin
            .update_identity_verification_settings()
            .body(types::IdentityVerificationSettings {
                enforce: true,
                window_minutes: 30
            })
    );
    dry_run!(
        server,
        seen,
        "update_self_enrollment_policy",
        admin
            .update_self_enrollment_policy()
            .body(types::SelfEnrollmentPolicy {
                validity_days: 9.try_into().unwrap(),
                max_attempts: 4.try_into().unwrap(),
            })
    );
    dry_run!(
        server,
        seen,
        "create_registration_session",
        admin
            .create_registration_session()
            .user("dave")
            .body(types::CreateRegistrationSession {
                hours_to_live: Some(2.0),
                notify: vec![types::NotifyChannel::Email],
                force: None,
            })
    );
}

/// Registration sessions and provisioning tasks.
async fn try_sessions_and_tasks(server: &TestServer, f: &Fixtures, seen: &mut BTreeSet<String>) {
    let admin = server.admin();
    dry_run!(
        server,
        seen,
        "send_registration_session_notifications",
        admin
            .send_registration_session_notifications()
            .id(&f.session)
            .body(types::NotifyRegistrationSession {
                channels: vec![types::NotifyChannel::Email]
            })
    );
    dry_run!(
        server,
        seen,
        "delete_registration_session",
        admin.delete_registration_session().id(&f.session)
    );
    dry_run!(
        server,
        seen,
        "create_provisioning_task",
        admin
            .create_provisioning_task()
            .body(task_request(&["carol"], None))
    );
    let later = server.clock.now().date_naive() + Duration::days(20);
    dry_run!(
        server,
        seen,
        "update_provisioning_task",
        admin
            .update_provisioning_task()
            .number(f.task)
            .body(types::UpdateProvisioningTask { stop_date: later })
    );
    dry_run!(
        server,
        seen,
        "remove_provisioning_task_users",
        admin
            .remove_provisioning_task_users()
            .number(f.task)
            .body(types::RemoveTaskUsers {
                users: vec!["dave".into()],
                notify: Some(true)
            })
    );
    dry_run!(
        server,
        seen,
        "resend_provisioning_task",
        admin
            .resend_provisioning_task()
            .number(f.task)
            .body(types::ResendProvisioning {
                users: None,
                email: None
            })
    );
    dry_run!(
        server,
        seen,
        "delete_provisioning_task",
        admin.delete_provisioning_task().number(f.task)
    );
}

/// Every operation of the committed document that changes something was tried above with
/// `dry_run`, and documents it; the few without one say why.
fn assert_every_change_was_tried(seen: &BTreeSet<String>) {
    let mut changes = BTreeSet::new();
    for (method, operation) in committed_operations() {
        if !["post", "put", "patch", "delete"].contains(&method.as_str()) {
            continue;
        }
        let id = operation["operationId"].as_str().unwrap().to_owned();
        let takes_dry_run = operation["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["name"] == "dry_run"));
        if WITHOUT_DRY_RUN.contains(&id.as_str()) {
            let description = operation["description"].as_str().unwrap_or_default();
            assert!(
                description.contains("No `dry_run`"),
                "{id} must say why it has no dry_run"
            );
        } else if !NOT_CHANGES.contains(&id.as_str()) {
            assert!(takes_dry_run, "{id} changes something but takes no dry_run");
            changes.insert(id);
        }
    }
    assert_eq!(
        &changes, seen,
        "every operation that changes something is tried with dry_run"
    );
}
