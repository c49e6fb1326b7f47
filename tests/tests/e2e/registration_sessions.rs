use chrono::Duration;
use enrolld::auth::scopes::Scope;
use enrolld_tests::{Client, TestServer, decode_qr_png, new_user, problem_of, status_of, types};
use mail_parser::MimeHeaders;

const CAROL_EMAIL: &str = "carol@example.com";
const CAROL_PHONE: &str = "+15557654321";

async fn create_carol(client: &Client) -> types::User {
    let mut carol = new_user("carol");
    carol.display_name = Some("Carol Example".into());
    carol.email = Some(CAROL_EMAIL.into());
    carol.phone = Some(CAROL_PHONE.into());
    client
        .create_user()
        .body(carol)
        .send()
        .await
        .unwrap()
        .into_inner()
}

fn session_request(
    notify: Vec<types::NotifyChannel>,
    force: bool,
) -> types::CreateRegistrationSession {
    types::CreateRegistrationSession {
        hours_to_live: None,
        notify,
        force: Some(force),
    }
}

fn secret_of(url: &str) -> String {
    url.split_once("/enroll#").unwrap().1.to_owned()
}

fn registration(secret: &str) -> types::AppRegistration {
    types::AppRegistration {
        secret: secret.into(),
        device_name: "Carol's Pixel".into(),
        platform: "android".into(),
        public_key: Some("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=".into()),
    }
}

fn agent(server: &TestServer) -> Client {
    server.client_with(
        "agent-7",
        &[
            Scope::UsersWrite,
            Scope::UsersRead,
            Scope::RegistrationSessionsRead,
            Scope::RegistrationSessionsWrite,
            Scope::EnrollmentsRead,
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carol_scans_the_emailed_qr_code_and_her_app_registers_once() {
    let server = TestServer::start().await;
    server.stop_enforcing_identity_verification().await;
    let agent = agent(&server);
    let carol = create_carol(&agent).await;

    let (session, url) = a_session_is_created_for_carol(&server, &agent).await;
    the_email_carries_the_link_and_its_qr_code(&server, &url).await;
    the_sms_and_the_qr_endpoints_show_the_link(&server, &agent, &session.id, &url).await;
    reading_a_session_does_not_reveal_its_secret(&agent, &session.id).await;
    let (app, registered) = carols_app_registers(&server, &url).await;
    the_session_is_consumed_into_an_app_enrollment(&server, &agent, &session.id, &registered).await;
    the_secret_works_only_once(&agent, &app, &session.id, &url).await;
    the_registration_is_audited_as_carols(&server, &carol).await;
}

/// A pending 24-hour session, notified by email and SMS; answers it and its enroll URL.
async fn a_session_is_created_for_carol(
    server: &TestServer,
    agent: &Client,
) -> (types::RegistrationSession, String) {
    let session = agent
        .create_registration_session()
        .user("carol")
        .body(session_request(
            vec![types::NotifyChannel::Email, types::NotifyChannel::Sms],
            false,
        ))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(session.status, types::SessionStatus::Pending);
    let url = session.enroll_url.clone().unwrap();
    assert!(
        url.starts_with(&format!("{}/enroll#", server.base_url)),
        "{url}"
    );
    assert!(!url.contains('?'));
    assert_eq!(session.expires_at - session.created_at, Duration::hours(24));
    assert!(!session.ttl_clamped);
    (session, url)
}

/// The email: text + HTML with the QR code as an inline (cid:) PNG that decodes to the link.
async fn the_email_carries_the_link_and_its_qr_code(server: &TestServer, url: &str) {
    let email = server.smtp.nth_to(CAROL_EMAIL, 0).await;
    assert_eq!(email.subject(), "Set up the mobile app");
    assert!(email.text().contains(url));
    assert!(email.html().contains("cid:enroll-qr"));
    let raw = String::from_utf8_lossy(&email.raw).to_string();
    assert!(
        raw.contains("multipart/related"),
        "the HTML and its image are multipart/related"
    );
    let parsed = email.parsed();
    let image = parsed
        .attachments()
        .find(|a| a.content_type().is_some_and(|t| t.ctype() == "image"))
        .expect("an inline image");
    assert_eq!(image.content_id(), Some("enroll-qr"));
    assert_eq!(decode_qr_png(image.contents()), url);
}

/// The SMS carries the link; the QR endpoints show the same link while the session is pending.
async fn the_sms_and_the_qr_endpoints_show_the_link(
    server: &TestServer,
    agent: &Client,
    session_id: &str,
    url: &str,
) {
    assert!(server.sms.nth_to(CAROL_PHONE, 0).await.body.contains(url));
    let png = agent
        .get_registration_session_qr_png()
        .id(session_id)
        .size(400)
        .send()
        .await
        .unwrap()
        .into_inner();
    let png = collect(png).await;
    assert_eq!(decode_qr_png(&png), url);
    let svg = agent
        .get_registration_session_qr_svg()
        .id(session_id)
        .margin(2)
        .send()
        .await
        .unwrap()
        .into_inner();
    let svg = String::from_utf8(collect(svg).await).unwrap();
    assert!(svg.contains("<svg") && svg.contains("<rect"));
    assert_eq!(
        status_of(
            agent
                .get_registration_session_qr_png()
                .id(session_id)
                .size(10)
                .send()
                .await
        ),
        422
    );
}

/// Reading a session does not reveal its secret.
async fn reading_a_session_does_not_reveal_its_secret(agent: &Client, session_id: &str) {
    let read = agent
        .get_registration_session()
        .id(session_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(read.enroll_url.is_none());
}

/// Carol's app registers with the secret from the link (no operator token).
async fn carols_app_registers(
    server: &TestServer,
    url: &str,
) -> (Client, types::AppRegistrationResult) {
    let app = Client::new(&server.base_url);
    let registered = app
        .register_app()
        .body(registration(&secret_of(url)))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let registered = registered.into_inner();
    assert!(
        registered
            .key_fingerprint
            .as_deref()
            .unwrap()
            .starts_with("SHA256:")
    );
    (app, registered)
}

/// The session is consumed into a mobile-app enrollment, and Carol is told.
async fn the_session_is_consumed_into_an_app_enrollment(
    server: &TestServer,
    agent: &Client,
    session_id: &str,
    registered: &types::AppRegistrationResult,
) {
    let consumed = agent
        .get_registration_session()
        .id(session_id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(consumed.status, types::SessionStatus::Consumed);
    assert_eq!(
        consumed.enrollment_id.as_deref(),
        Some(registered.enrollment_id.as_str())
    );
    let enrollments = agent
        .list_enrollments()
        .user("carol")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(enrollments.items.len(), 1);
    assert_eq!(
        (
            enrollments.items[0].service.as_str(),
            enrollments.items[0].method.as_str()
        ),
        ("mobile-app", "app")
    );
    assert_eq!(enrollments.items[0].address, "Carol's Pixel");
    let notice = server.smtp.nth_to(CAROL_EMAIL, 1).await;
    assert_eq!(notice.subject(), "Mobile App was added to your account");
}

/// Used once: a second use is refused; the QR code is gone; a new session is refused while enrolled.
async fn the_secret_works_only_once(agent: &Client, app: &Client, session_id: &str, url: &str) {
    let again = problem_of(
        app.register_app()
            .body(registration(&secret_of(url)))
            .send()
            .await,
    );
    assert_eq!(
        (again.status, again.code.to_string().as_str()),
        (422, "invalid_registration_secret")
    );
    assert_eq!(
        status_of(
            agent
                .get_registration_session_qr_png()
                .id(session_id)
                .send()
                .await
        ),
        409
    );
    let problem = problem_of(
        agent
            .create_registration_session()
            .user("carol")
            .body(session_request(vec![], false))
            .send()
            .await,
    );
    assert_eq!(
        (problem.status, problem.code.to_string().as_str()),
        (409, "already_enrolled")
    );
}

/// The registration is audited with Carol as the actor, after the session's creation.
async fn the_registration_is_audited_as_carols(server: &TestServer, carol: &types::User) {
    let audit = server
        .admin()
        .list_audit_events()
        .target(&carol.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let registered_event = audit
        .items
        .iter()
        .find(|e| e.action == "register_app")
        .unwrap();
    assert_eq!(registered_event.actor.type_, "user");
    assert_eq!(
        registered_event.actor.id.as_deref(),
        Some(carol.id.as_str())
    );
    assert!(
        audit
            .items
            .iter()
            .any(|e| e.action == "create_registration_session")
    );
}

async fn collect(stream: progenitor_client::ByteStream) -> Vec<u8> {
    use futures_util::TryStreamExt;
    stream
        .into_inner()
        .map_ok(|b| b.to_vec())
        .try_concat()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_used_removed_and_expired_secrets_are_answered_alike() {
    let server = TestServer::start().await;
    server.stop_enforcing_identity_verification().await;
    let agent = agent(&server);
    create_carol(&agent).await;
    server.clock.set(server.clock.now());
    let app = Client::new(&server.base_url);

    let (removed, second) = force_replaces_the_pending_session(&agent, &app).await;
    let deleted = an_operator_removes_the_current_session(&agent, &app, second).await;
    let expired = expiry_shows_at_once(&server, &agent, &app).await;
    let wrong = a_made_up_secret_is_refused(&app).await;
    all_are_answered_alike(&removed, &[&removed, &deleted, &expired, &wrong]);
    the_sessions_are_listed_as_removed_and_expired(&agent).await;
    failed_attempts_are_audited_and_limited(&server, &app).await;
}

/// A second pending session is refused; force replaces the pending session: the old one is removed
/// and its secret dead. Answers the refusal of the old secret, and the new session.
async fn force_replaces_the_pending_session(
    agent: &Client,
    app: &Client,
) -> (types::Problem, types::RegistrationSession) {
    let create = |force| {
        agent
            .create_registration_session()
            .user("carol")
            .body(session_request(vec![], force))
            .send()
    };
    let first = create(false).await.unwrap().into_inner();
    let problem = problem_of(create(false).await);
    assert_eq!(
        (problem.status, problem.code.to_string().as_str()),
        (409, "session_exists")
    );
    let second = create(true).await.unwrap().into_inner();
    let old = agent
        .get_registration_session()
        .id(&first.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(old.status, types::SessionStatus::Removed);
    let removed = problem_of(
        app.register_app()
            .body(registration(&secret_of(&first.enroll_url.unwrap())))
            .send()
            .await,
    );
    (removed, second)
}

/// An operator removes the current one (once); answers the refusal of its secret.
async fn an_operator_removes_the_current_session(
    agent: &Client,
    app: &Client,
    second: types::RegistrationSession,
) -> types::Problem {
    agent
        .delete_registration_session()
        .id(&second.id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(
            agent
                .delete_registration_session()
                .id(&second.id)
                .send()
                .await
        ),
        409
    );
    problem_of(
        app.register_app()
            .body(registration(&secret_of(&second.enroll_url.unwrap())))
            .send()
            .await,
    )
}

/// Expiry shows at once, without any background job; answers the refusal of the expired secret.
async fn expiry_shows_at_once(server: &TestServer, agent: &Client, app: &Client) -> types::Problem {
    let third = agent
        .create_registration_session()
        .user("carol")
        .body(types::CreateRegistrationSession {
            hours_to_live: Some(0.5),
            notify: vec![],
            force: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    server.clock.advance(Duration::minutes(30));
    let expired_view = agent
        .get_registration_session()
        .id(&third.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(expired_view.status, types::SessionStatus::Expired);
    assert_eq!(
        status_of(
            agent
                .get_current_registration_session()
                .user("carol")
                .send()
                .await
        ),
        404
    );
    problem_of(
        app.register_app()
            .body(registration(&secret_of(&third.enroll_url.unwrap())))
            .send()
            .await,
    )
}

/// A secret the server never issued is refused.
async fn a_made_up_secret_is_refused(app: &Client) -> types::Problem {
    problem_of(
        app.register_app()
            .body(registration(
                "0193a4c85f1e7cc28d6a3f1e2b0c9d11.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ))
            .send()
            .await,
    )
}

/// Every refusal has the status, code and detail of `removed`: invalid_registration_secret.
fn all_are_answered_alike(removed: &types::Problem, problems: &[&types::Problem]) {
    for problem in problems {
        assert_eq!(
            (
                problem.status,
                problem.code.to_string().as_str(),
                problem.detail.as_str()
            ),
            (
                removed.status,
                removed.code.to_string().as_str(),
                removed.detail.as_str()
            )
        );
    }
    assert_eq!(removed.code, types::ErrorCode::InvalidRegistrationSecret);
}

/// Two sessions were removed and one expired; Carol has no enrollment.
async fn the_sessions_are_listed_as_removed_and_expired(agent: &Client) {
    let listed = agent
        .list_registration_sessions()
        .user("carol")
        .status(types::SessionStatus::Removed)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 2);
    let listed = agent
        .list_registration_sessions()
        .status(types::SessionStatus::Expired)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.items.len(), 1);
    assert!(
        agent
            .list_enrollments()
            .user("carol")
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .is_empty()
    );
}

/// Failed attempts are audited and, from one address, limited.
async fn failed_attempts_are_audited_and_limited(server: &TestServer, app: &Client) {
    let failures = server
        .admin()
        .list_audit_events()
        .action("register_app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(failures.items.len(), 4);
    assert!(
        failures
            .items
            .iter()
            .all(|e| e.outcome == "failure" && e.actor.type_ == "anonymous")
    );
    // Two of the four failures fell in this 15-minute window (the clock moved 30 minutes); 8 more fill it.
    for _ in 0..8 {
        let problem = problem_of(app.register_app().body(registration("nope")).send().await);
        assert_eq!(problem.code, types::ErrorCode::InvalidRegistrationSecret);
    }
    let limited = problem_of(app.register_app().body(registration("nope")).send().await);
    assert_eq!(
        (limited.status, limited.code.to_string().as_str()),
        (429, "rate_limited")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifetimes_are_clamped_and_disabled_users_refused() {
    let server = TestServer::start().await;
    let agent = agent(&server);
    create_carol(&agent).await;
    let short = agent
        .create_registration_session()
        .user("carol")
        .body(types::CreateRegistrationSession {
            hours_to_live: Some(0.01),
            notify: vec![],
            force: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(short.ttl_clamped);
    assert_eq!(short.expires_at - short.created_at, Duration::minutes(10));
    let long = agent
        .create_registration_session()
        .user("carol")
        .body(types::CreateRegistrationSession {
            hours_to_live: Some(1000.0),
            notify: vec![],
            force: Some(true),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(long.ttl_clamped);
    assert_eq!(long.expires_at - long.created_at, Duration::days(7));
    let problem = problem_of(
        agent
            .create_registration_session()
            .user("carol")
            .body(types::CreateRegistrationSession {
                hours_to_live: Some(-1.0),
                notify: vec![],
                force: Some(true),
            })
            .send()
            .await,
    );
    assert_eq!(problem.errors[0].field, "hours_to_live");

    let mut dan = new_user("dan");
    dan.state = Some(types::UserState::Disabled);
    agent.create_user().body(dan).send().await.unwrap();
    let problem = problem_of(
        agent
            .create_registration_session()
            .user("dan")
            .body(session_request(vec![], false))
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::UserDisabled);
    agent
        .create_user()
        .body(new_user("erin"))
        .send()
        .await
        .unwrap();
    let problem = problem_of(
        agent
            .create_registration_session()
            .user("erin")
            .body(session_request(vec![types::NotifyChannel::Email], false))
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::NoContact);

    let page = server
        .http()
        .get(server.url("/enroll"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("enrolld://register#") && html.contains("viewport"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_completions_make_exactly_one_enrollment() {
    let server = TestServer::start().await;
    server.stop_enforcing_identity_verification().await;
    let agent = agent(&server);
    create_carol(&agent).await;
    let session = agent
        .create_registration_session()
        .user("carol")
        .body(session_request(vec![], false))
        .send()
        .await
        .unwrap()
        .into_inner();
    let secret = secret_of(&session.enroll_url.unwrap());
    let app = Client::new(&server.base_url);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let app = app.clone();
        let secret = secret.clone();
        tasks.push(tokio::spawn(async move {
            app.register_app().body(registration(&secret)).send().await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => wins += 1,
            // The losers are refused; once ten have failed, the address is also rate-limited.
            Err(error) => assert!(
                [422, 429].contains(&error.status().unwrap().as_u16()),
                "{error:?}"
            ),
        }
    }
    assert_eq!(wins, 1);
    let history = agent
        .list_enrollments()
        .user("carol")
        .include_removed(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(history.items.len(), 1);
}
