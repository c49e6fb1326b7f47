use chrono::Duration;
use enrolld_tests::sinks::code_in;
use enrolld_tests::{Client, TestServer, problem_of, types};

use enrolld_tests::fixtures::{BOB_EMAIL, create_bob, email_challenge, verify_bob};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_works_until_9_59_and_not_at_10_00() {
    let server = TestServer::start().await;
    let admin = server.admin();
    create_bob(&admin).await;
    server.clock.set(server.clock.now());
    let policy = types::IdentityVerificationSettings {
        enforce: true,
        window_minutes: 60,
    };
    admin
        .update_identity_verification_settings()
        .body(policy)
        .send()
        .await
        .unwrap();
    verify_bob(&server, &admin, 0).await;

    for (index, (elapsed, works)) in [
        (Duration::seconds(599), true),
        (Duration::seconds(600), false),
    ]
    .into_iter()
    .enumerate()
    {
        let address = format!("bob{index}@example.org");
        let challenge = admin
            .create_enrollment_challenge()
            .user("bob")
            .body(email_challenge(&address))
            .send()
            .await
            .unwrap()
            .into_inner();
        let code = code_in(&server.smtp.nth_to(&address, 0).await.text());
        server.clock.advance(elapsed);
        let result = admin
            .verify_enrollment_challenge()
            .id(&challenge.id)
            .body(types::CodeInput { code })
            .send()
            .await;
        if works {
            result.unwrap();
            admin
                .delete_enrollment()
                .user("bob")
                .service("personal-email")
                .send()
                .await
                .unwrap();
        } else {
            let problem = problem_of(result);
            assert_eq!(
                (problem.status, problem.code.to_string().as_str()),
                (422, "code_expired")
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_lock_the_challenge_even_across_a_resend() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let bob = create_bob(&admin).await;
    server.clock.set(server.clock.now());
    verify_bob(&server, &admin, 0).await;
    let address = "bob@example.org";

    let (challenge, first) = start_email_challenge(&server, &admin, address).await;
    let wrong = a_wrong_code(&first);
    three_wrong_codes_count_down(&admin, &challenge.id, wrong).await;
    an_early_resend_is_refused_with_retry_after(&server, &challenge.id).await;
    let second = a_later_resend_sends_a_new_code(&server, &admin, &challenge.id, address).await;
    the_fourth_wrong_attempt(&admin, &challenge.id, &first, &second, wrong).await;
    the_fifth_wrong_code_locks_the_challenge(&admin, &challenge.id, wrong).await;
    a_locked_challenge_refuses_even_the_right_code(&admin, &challenge.id, second).await;
    failures_the_lock_and_the_resend_are_audited(&admin, &bob).await;
}

/// Starts a challenge for Bob's personal email at `address`; answers it and the code sent there.
async fn start_email_challenge(
    server: &TestServer,
    admin: &Client,
    address: &str,
) -> (types::EnrollmentChallenge, String) {
    let challenge = admin
        .create_enrollment_challenge()
        .user("bob")
        .body(email_challenge(address))
        .send()
        .await
        .unwrap()
        .into_inner();
    let first = code_in(&server.smtp.nth_to(address, 0).await.text());
    (challenge, first)
}

/// A code that is not `code`.
fn a_wrong_code(code: &str) -> &'static str {
    if code == "000000" { "111111" } else { "000000" }
}

/// Three wrong codes: each is refused, counting down the attempts left.
async fn three_wrong_codes_count_down(admin: &Client, challenge_id: &str, wrong: &str) {
    for left in [4, 3, 2] {
        let problem = problem_of(
            admin
                .verify_enrollment_challenge()
                .id(challenge_id)
                .body(types::CodeInput { code: wrong.into() })
                .send()
                .await,
        );
        assert_eq!(problem.code, types::ErrorCode::InvalidCode);
        assert!(
            problem.detail.contains(&format!("{left} attempts left")),
            "{}",
            problem.detail
        );
    }
}

/// A resend within 30 s is refused with Retry-After.
async fn an_early_resend_is_refused_with_retry_after(server: &TestServer, challenge_id: &str) {
    let response = server
        .http()
        .post(server.url(&format!(
            "/v1/enrollment-challenges/{}/resend",
            challenge_id
        )))
        .bearer_auth(server.token("admin", enrolld::auth::scopes::Scope::ALL))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after));
}

/// After 30 s, a resend sends a new code (without restoring attempts); answers the new code.
async fn a_later_resend_sends_a_new_code(
    server: &TestServer,
    admin: &Client,
    challenge_id: &str,
    address: &str,
) -> String {
    server.clock.advance(Duration::seconds(31));
    let resent = admin
        .resend_enrollment_challenge()
        .id(challenge_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (resent.attempts_left, resent.sends),
        (2, 2),
        "a resend does not restore attempts"
    );
    code_in(&server.smtp.nth_to(address, 1).await.text())
}

/// The fourth failure: the first code, which stopped working with the resend (or, should the new
/// code happen to equal it, another wrong code).
async fn the_fourth_wrong_attempt(
    admin: &Client,
    challenge_id: &str,
    first: &str,
    second: &str,
    wrong: &str,
) {
    if second != first {
        let problem = problem_of(
            admin
                .verify_enrollment_challenge()
                .id(challenge_id)
                .body(types::CodeInput {
                    code: first.to_owned(),
                })
                .send()
                .await,
        );
        assert_eq!(
            problem.code,
            types::ErrorCode::InvalidCode,
            "the first code stopped working"
        );
    } else {
        let other = if wrong == "000000" {
            "222222"
        } else {
            "000000"
        };
        problem_of(
            admin
                .verify_enrollment_challenge()
                .id(challenge_id)
                .body(types::CodeInput { code: other.into() })
                .send()
                .await,
        );
    }
}

/// The fifth wrong code locks the challenge.
async fn the_fifth_wrong_code_locks_the_challenge(admin: &Client, challenge_id: &str, wrong: &str) {
    let problem = problem_of(
        admin
            .verify_enrollment_challenge()
            .id(challenge_id)
            .body(types::CodeInput { code: wrong.into() })
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::ChallengeLocked);
}

/// Locked: even the right code is refused now, and nothing is enrolled.
async fn a_locked_challenge_refuses_even_the_right_code(
    admin: &Client,
    challenge_id: &str,
    right: String,
) {
    let problem = problem_of(
        admin
            .verify_enrollment_challenge()
            .id(challenge_id)
            .body(types::CodeInput { code: right })
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::ChallengeLocked);
    let state = admin
        .get_enrollment_challenge()
        .id(challenge_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (state.status, state.attempts_left),
        (types::ChallengeStatus::Locked, 0)
    );
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

/// The audit trail has the five failures, one lock and one resend.
async fn failures_the_lock_and_the_resend_are_audited(admin: &Client, bob: &types::User) {
    let audit = admin
        .list_audit_events()
        .target(&bob.id)
        .limit(100)
        .send()
        .await
        .unwrap()
        .into_inner();
    let failures = audit
        .items
        .iter()
        .filter(|e| e.action == "verify_enrollment_challenge" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 5);
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "challenge_locked")
            .count(),
        1
    );
    assert_eq!(
        audit
            .items
            .iter()
            .filter(|e| e.action == "resend_enrollment_challenge")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_correct_codes_enroll_exactly_once() {
    let server = TestServer::start().await;
    let admin = server.admin();
    create_bob(&admin).await;
    verify_bob(&server, &admin, 0).await;
    let address = "bob@example.org";
    let challenge = admin
        .create_enrollment_challenge()
        .user("bob")
        .body(email_challenge(address))
        .send()
        .await
        .unwrap()
        .into_inner();
    let code = code_in(&server.smtp.nth_to(address, 0).await.text());
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = admin.clone();
        let id = challenge.id.clone();
        let code = code.clone();
        tasks.push(tokio::spawn(async move {
            client
                .verify_enrollment_challenge()
                .id(&id)
                .body(types::CodeInput { code })
                .send()
                .await
        }));
    }
    let mut enrolled = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(response) => {
                assert_eq!(response.status(), 201);
                enrolled += 1;
            }
            Err(error) => {
                let status = error.status().unwrap().as_u16();
                assert!(status == 409 || status == 422, "{error:?}");
            }
        }
    }
    assert_eq!(enrolled, 1);
    let history = admin
        .list_enrollments()
        .user("bob")
        .include_removed(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(history.items.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_are_rate_limited_per_user() {
    let server = TestServer::start().await;
    let admin = server.admin();
    create_bob(&admin).await;
    server.clock.set(server.clock.now());
    let start = || {
        admin
            .create_identity_verification()
            .user("bob")
            .body(types::StartIdentityVerification {
                channel: types::CodeChannel::Email,
            })
            .send()
    };
    for _ in 0..10 {
        start().await.unwrap();
    }
    let problem = problem_of(start().await);
    assert_eq!(
        (problem.status, problem.code.to_string().as_str()),
        (429, "rate_limited")
    );
    // Another operator hits the same per-user limit: the counter is the user's.
    let other = server.client_with("agent-9", &[enrolld::auth::scopes::Scope::IdentityVerify]);
    let problem = problem_of(
        other
            .create_identity_verification()
            .user("bob")
            .body(types::StartIdentityVerification {
                channel: types::CodeChannel::Sms,
            })
            .send()
            .await,
    );
    assert_eq!(problem.status, 429);
    // An hour later the allowance is back.
    let _ = server.smtp.nth_to(BOB_EMAIL, 9).await;
    server.clock.advance(Duration::minutes(61));
    start().await.unwrap();
    let _ = server.smtp.nth_to(BOB_EMAIL, 10).await;
}
