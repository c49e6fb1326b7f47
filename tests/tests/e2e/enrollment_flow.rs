use enrolld::auth::scopes::Scope;
use enrolld_tests::fixtures::{BOB_EMAIL, create_bob, email_challenge, sms_challenge, verify_bob};
use enrolld_tests::sinks::code_in;
use enrolld_tests::{Client, TestServer, new_user, problem_of, types};

fn agent(server: &TestServer) -> Client {
    server.client_with(
        "agent-7",
        &[
            Scope::UsersRead,
            Scope::UsersWrite,
            Scope::IdentityVerify,
            Scope::EnrollmentsRead,
            Scope::EnrollmentsWrite,
            Scope::NotificationsRead,
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_verifies_bob_enrolls_his_email_and_phone_and_removes_one() {
    let server = TestServer::start().await;
    let agent = agent(&server);
    let bob = create_bob(&agent).await;

    enrollment_is_refused_before_verification(&agent).await;
    the_agent_verifies_bob(&server, &agent).await;
    bob_enrolls_his_personal_email(&server, &agent).await;
    bob_enrolls_his_mobile_code(&server, &agent).await;
    both_enrollments_are_listed(&agent).await;
    a_second_challenge_for_an_enrolled_service_is_refused(&agent).await;
    removing_the_email_keeps_it_in_the_history(&agent).await;
    bob_was_told_of_each_change(&server).await;
    deliveries_and_the_audit_trail_cover_the_workflow(&server, &agent, &bob).await;
}

/// Without verification, enrollment is refused.
async fn enrollment_is_refused_before_verification(agent: &Client) {
    let refused = problem_of(
        agent
            .create_enrollment_challenge()
            .user("bob")
            .body(email_challenge("bob@example.org"))
            .send()
            .await,
    );
    assert_eq!(
        (refused.status, refused.code.to_string().as_str()),
        (409, "identity_not_verified")
    );
}

/// The agent verifies Bob by email; another operator has not verified him.
async fn the_agent_verifies_bob(server: &TestServer, agent: &Client) {
    let verified = verify_bob(server, agent, 0).await;
    assert_eq!(verified.status, types::ChallengeStatus::Verified);
    let window = verified.verified_until.unwrap() - server.clock.now();
    assert!((14..=15).contains(&window.num_minutes()), "{window}");
    let verification_email = server.smtp.nth_to(BOB_EMAIL, 0).await;
    assert_eq!(verification_email.subject(), "Your verification code");
    assert_eq!(verification_email.from, "enrolld@example.net");
    assert!(
        verification_email
            .html()
            .contains(&code_in(&verification_email.text()))
    );
    let status = agent
        .get_identity_verification_status()
        .user("bob")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(status.verified && status.enforced);
    // Another operator has not verified Bob.
    let other = server.client_with("agent-8", &[Scope::IdentityVerify]);
    assert!(
        !other
            .get_identity_verification_status()
            .user("bob")
            .send()
            .await
            .unwrap()
            .into_inner()
            .verified
    );
}

/// Personal email: the code goes to the new address, Bob reads it back.
async fn bob_enrolls_his_personal_email(server: &TestServer, agent: &Client) {
    let challenge = agent
        .create_enrollment_challenge()
        .user("bob")
        .body(email_challenge("bob@example.org"))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(challenge.destination, "b***@example.org");
    let code = code_in(&server.smtp.nth_to("bob@example.org", 0).await.text());
    let email_enrollment = agent
        .verify_enrollment_challenge()
        .id(&challenge.id)
        .body(types::CodeInput { code })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(email_enrollment.service, "personal-email");
    assert_eq!(email_enrollment.method, "code");
    assert_eq!(email_enrollment.enrolled_by.id, "agent-7");
}

/// Mobile code: the code goes by SMS to the gateway, with its bearer token.
async fn bob_enrolls_his_mobile_code(server: &TestServer, agent: &Client) {
    let challenge = agent
        .create_enrollment_challenge()
        .user("bob")
        .body(sms_challenge("+15557654321"))
        .send()
        .await
        .unwrap()
        .into_inner();
    let sms = server.sms.nth_to("+15557654321", 0).await;
    assert_eq!(
        sms.authorization.as_deref(),
        Some("Bearer sms-gateway-token")
    );
    let code = code_in(&sms.body);
    agent
        .verify_enrollment_challenge()
        .id(&challenge.id)
        .body(types::CodeInput { code })
        .send()
        .await
        .unwrap();
}

/// Both enrollments are listed in order, the phone number masked.
async fn both_enrollments_are_listed(agent: &Client) {
    let listed = agent
        .list_enrollments()
        .user("bob")
        .send()
        .await
        .unwrap()
        .into_inner();
    let services: Vec<&str> = listed.items.iter().map(|e| e.service.as_str()).collect();
    assert_eq!(services, ["personal-email", "mobile-code"]);
    assert_eq!(listed.items[1].address, "+15*******21");
}

/// Enrolled twice: a second challenge for the same service is refused.
async fn a_second_challenge_for_an_enrolled_service_is_refused(agent: &Client) {
    let again = problem_of(
        agent
            .create_enrollment_challenge()
            .user("bob")
            .body(sms_challenge("+15550000000"))
            .send()
            .await,
    );
    assert_eq!(again.code, types::ErrorCode::AlreadyEnrolled);
}

/// Remove the email enrollment: gone from the list, kept in the history; Bob can enroll again.
async fn removing_the_email_keeps_it_in_the_history(agent: &Client) {
    agent
        .delete_enrollment()
        .user("bob")
        .service("personal-email")
        .send()
        .await
        .unwrap();
    let listed = agent
        .list_enrollments()
        .user("bob")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    let history = agent
        .list_enrollments()
        .user("bob")
        .include_removed(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(history.items.len(), 2);
    assert_eq!(history.items[0].removed_by.as_deref(), Some("agent-7"));
    agent
        .create_enrollment_challenge()
        .user("bob")
        .body(email_challenge("bob@example.org"))
        .send()
        .await
        .unwrap();
}

/// Bob was told at his directory email: two additions and one removal.
async fn bob_was_told_of_each_change(server: &TestServer) {
    let subjects: Vec<String> = {
        let _ = server.smtp.nth_to(BOB_EMAIL, 3).await;
        server
            .smtp
            .received()
            .iter()
            .filter(|e| e.to == [BOB_EMAIL])
            .map(|e| e.subject())
            .collect()
    };
    assert_eq!(
        subjects,
        [
            "Your verification code",
            "Personal Email was added to your account",
            "Mobile Code (SMS) was added to your account",
            "Personal Email was removed from your account"
        ]
    );
}

/// Delivery status, and the audit trail of the whole workflow.
async fn deliveries_and_the_audit_trail_cover_the_workflow(
    server: &TestServer,
    agent: &Client,
    bob: &types::User,
) {
    let sent = agent
        .list_notifications()
        .user("bob")
        .status(types::NotificationStatus::Sent)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(sent.items.len() >= 5, "{}", sent.items.len());
    assert!(
        sent.items
            .iter()
            .all(|n| n.last_error.is_none() && !n.recipient.contains("bob@"))
    );
    let audit = server
        .admin()
        .list_audit_events()
        .target(&bob.id)
        .limit(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    let actions: Vec<&str> = audit
        .items
        .iter()
        .rev()
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "create_user",
            "create_identity_verification",
            "confirm_identity_verification",
            "create_enrollment_challenge",
            "verify_enrollment_challenge",
            "create_enrollment_challenge",
            "verify_enrollment_challenge",
            "delete_enrollment",
            "create_enrollment_challenge"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unconfigured_and_closed_services_are_refused_with_the_reason() {
    let server = TestServer::start_with(|c| c.sms_gateway_url = None).await;
    let admin = server.admin();
    create_bob(&admin).await;
    let problem = problem_of(
        admin
            .create_identity_verification()
            .user("bob")
            .body(types::StartIdentityVerification {
                channel: types::CodeChannel::Sms,
            })
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::ServiceNotConfigured);
    assert!(
        problem.detail.contains("ENROLLD_SMS_GATEWAY_URL"),
        "{}",
        problem.detail
    );

    verify_bob(&server, &admin, 0).await;
    let problem = problem_of(
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(sms_challenge("+15557654321"))
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::ServiceNotConfigured);

    admin
        .update_identity_service()
        .service("personal-email")
        .body(types::UpdateIdentityService {
            agent_can_enroll: Some(false),
            enabled: None,
            removable: None,
        })
        .send()
        .await
        .unwrap();
    let problem = problem_of(
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(email_challenge("bob@example.org"))
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::AgentEnrollmentNotAllowed);
    let problem = problem_of(
        admin
            .create_enrollment_challenge()
            .user("bob")
            .body(email_challenge("not an address"))
            .send()
            .await,
    );
    assert_eq!(problem.errors[0].field, "address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforcement_can_be_switched_off_and_batches_enroll_per_item() {
    let server = TestServer::start().await;
    let admin = server.admin();
    create_bob_carol_and_disabled_dan(&admin).await;

    let items = batch_items();
    a_dry_run_enrolls_nobody(&admin, items.clone()).await;
    the_batch_enrolls_per_item(&server, &admin, items).await;

    let agent = agent(&server);
    an_agent_without_settings_write_cannot_batch(&agent).await;
    removal_needs_verification_only_while_enforced(&admin, &agent).await;
    an_unremovable_enrollment_cannot_be_removed(&admin).await;
}

/// Bob, Carol, and Dan, who is disabled.
async fn create_bob_carol_and_disabled_dan(admin: &Client) {
    create_bob(admin).await;
    admin
        .create_user()
        .body(new_user("carol"))
        .send()
        .await
        .unwrap();
    let mut disabled = new_user("dan");
    disabled.state = Some(types::UserState::Disabled);
    admin.create_user().body(disabled).send().await.unwrap();
}

/// Two good items among a bad address, an unknown user, a disabled user, and a second enrollment
/// in the same service.
fn batch_items() -> Vec<types::BatchEnrollItem> {
    vec![
        types::BatchEnrollItem {
            user: "bob".into(),
            service: "personal-email".into(),
            address: "bob@example.org".into(),
        },
        types::BatchEnrollItem {
            user: "carol".into(),
            service: "mobile-code".into(),
            address: "12345".into(),
        },
        types::BatchEnrollItem {
            user: "nobody".into(),
            service: "mobile-code".into(),
            address: "+15550000001".into(),
        },
        types::BatchEnrollItem {
            user: "dan".into(),
            service: "mobile-code".into(),
            address: "+15550000002".into(),
        },
        types::BatchEnrollItem {
            user: "carol".into(),
            service: "software-token".into(),
            address: "TOTP-0001".into(),
        },
        types::BatchEnrollItem {
            user: "bob".into(),
            service: "personal-email".into(),
            address: "bob2@example.org".into(),
        },
    ]
}

/// A dry run counts what would be enrolled and enrolls nothing.
async fn a_dry_run_enrolls_nobody(admin: &Client, items: Vec<types::BatchEnrollItem>) {
    let dry = admin
        .create_enrollment_batch()
        .dry_run(true)
        .body(types::BatchEnroll { items })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((dry.enrolled, dry.failed), (2, 4));
    assert!(
        admin
            .list_enrollments()
            .user("bob")
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .is_empty()
    );
}

/// The batch enrolls the good items and answers each bad one with its field; Bob hears of it.
async fn the_batch_enrolls_per_item(
    server: &TestServer,
    admin: &Client,
    items: Vec<types::BatchEnrollItem>,
) {
    let done = admin
        .create_enrollment_batch()
        .body(types::BatchEnroll { items })
        .send()
        .await
        .unwrap()
        .into_inner();
    let statuses: Vec<String> = done.results.iter().map(|r| r.status.to_string()).collect();
    assert_eq!(
        statuses,
        ["enrolled", "error", "error", "error", "enrolled", "error"]
    );
    assert_eq!(done.results[1].errors[0].field, "items[1].address");
    assert_eq!(done.results[2].errors[0].field, "items[2].user");
    assert_eq!(done.results[5].errors[0].field, "items[5].service");
    let bob_enrollments = admin
        .list_enrollments()
        .user("bob")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(bob_enrollments.items[0].method, "batch");
    // Bob hears of it at his directory email.
    assert_eq!(
        server.smtp.nth_to(BOB_EMAIL, 0).await.subject(),
        "Personal Email was added to your account"
    );
}

/// An agent without settings:write cannot batch.
async fn an_agent_without_settings_write_cannot_batch(agent: &Client) {
    let problem = problem_of(
        agent
            .create_enrollment_batch()
            .body(types::BatchEnroll { items: vec![] })
            .send()
            .await,
    );
    assert_eq!(problem.status, 403);
}

/// Removal needs verification while enforced; switched off, it does not. The window is bounded.
async fn removal_needs_verification_only_while_enforced(admin: &Client, agent: &Client) {
    let problem = problem_of(
        agent
            .delete_enrollment()
            .user("bob")
            .service("personal-email")
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::IdentityNotVerified);
    let policy = types::IdentityVerificationSettings {
        enforce: false,
        window_minutes: 15,
    };
    admin
        .update_identity_verification_settings()
        .body(policy)
        .send()
        .await
        .unwrap();
    agent
        .delete_enrollment()
        .user("bob")
        .service("personal-email")
        .send()
        .await
        .unwrap();
    let bad = types::IdentityVerificationSettings {
        enforce: true,
        window_minutes: 61,
    };
    let problem = problem_of(
        admin
            .update_identity_verification_settings()
            .body(bad)
            .send()
            .await,
    );
    assert_eq!(problem.errors[0].field, "window_minutes");
}

/// Not removable: refused.
async fn an_unremovable_enrollment_cannot_be_removed(admin: &Client) {
    admin
        .update_identity_service()
        .service("software-token")
        .body(types::UpdateIdentityService {
            removable: Some(false),
            enabled: None,
            agent_can_enroll: None,
        })
        .send()
        .await
        .unwrap();
    let problem = problem_of(
        admin
            .delete_enrollment()
            .user("carol")
            .service("software-token")
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::NotRemovable);
}
