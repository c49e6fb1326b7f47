//! Authenticators are bound only with proofing: a session's secret reaches an operator only after
//! that operator verified the user, and links sent elsewhere than the user's own address need
//! `provisioning:manage` and are announced to that address.

use enrolld::auth::scopes::Scope;
use enrolld_tests::{Client, TestServer, assert_forbidden, new_user, problem_of, types};

use enrolld_tests::fixtures::{BOB_EMAIL, verify_by_email};

fn agent(server: &TestServer, name: &str) -> Client {
    server.client_with(
        name,
        &[
            Scope::UsersRead,
            Scope::IdentityVerify,
            Scope::RegistrationSessionsRead,
            Scope::RegistrationSessionsWrite,
        ],
    )
}

async fn create_bob(server: &TestServer) {
    let mut bob = new_user("bob");
    bob.email = Some(BOB_EMAIL.into());
    server.admin().create_user().body(bob).send().await.unwrap();
}

async fn new_session(
    client: &Client,
    notify: Vec<types::NotifyChannel>,
) -> types::RegistrationSession {
    client
        .create_registration_session()
        .user("bob")
        .body(types::CreateRegistrationSession {
            hours_to_live: None,
            notify,
            force: Some(true),
        })
        .send()
        .await
        .unwrap()
        .into_inner()
}

async fn qr_status(server: &TestServer, who: &str, session: &str) -> (u16, String) {
    let response = server
        .http()
        .get(server.url(&format!("/v1/registration-sessions/{session}/qr.svg")))
        .bearer_auth(server.token(who, &[Scope::RegistrationSessionsWrite]))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_secret_reaches_only_an_operator_who_verified_the_user() {
    let server = TestServer::start().await;
    create_bob(&server).await;
    let ada = agent(&server, "ada");

    // Not verified: the session is made, its link is withheld, and the QR code refused.
    let session = new_session(&ada, vec![]).await;
    assert!(session.enroll_url.is_none());
    assert!(
        session
            .enroll_url_withheld
            .as_deref()
            .is_some_and(|why| why.contains("verify the user's identity")),
        "{session:?}"
    );
    let (status, body) = qr_status(&server, "ada", &session.id).await;
    assert_eq!(status, 409);
    assert!(body.contains("identity_not_verified"), "{body}");

    // Sending it to Bob's own directory address needs no verification.
    let sent = new_session(&ada, vec![types::NotifyChannel::Email]).await;
    assert!(sent.enroll_url.is_none());
    let email = server.smtp.nth_to(BOB_EMAIL, 0).await;
    assert!(email.text().contains("/enroll#"));

    // Once Ada verified Bob, she sees the link and the QR code; Ben, who did not, still does not.
    verify_by_email(&server, &ada, "bob", BOB_EMAIL, 1).await;
    let shown = new_session(&ada, vec![]).await;
    assert!(shown.enroll_url.is_some_and(|url| url.contains("/enroll#")));
    assert_eq!(qr_status(&server, "ada", &shown.id).await.0, 200);
    assert_eq!(qr_status(&server, "ben", &shown.id).await.0, 409);
    let ben = new_session(&agent(&server, "ben"), vec![]).await;
    assert!(ben.enroll_url.is_none());

    // After the window, Ada must verify again.
    server.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(qr_status(&server, "ada", &ben.id).await.0, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_address_needs_provisioning_manage_and_the_own_address_is_told() {
    let server = TestServer::start().await;
    create_bob(&server).await;
    let task = |email: Option<&str>| types::CreateProvisioningTask {
        users: vec!["bob".into()],
        token_type: types::TokenType::SoftwareTotp,
        stop_date: None,
        email: email.map(str::to_owned),
    };
    let writer = server.client_with("writer", &[Scope::ProvisioningWrite]);
    let refused = problem_of(
        writer
            .create_provisioning_task()
            .body(task(Some("bob.home@example.org")))
            .send()
            .await,
    );
    assert_forbidden(&refused, "provisioning:manage");

    let manager = server.client_with(
        "manager",
        &[Scope::ProvisioningWrite, Scope::ProvisioningManage],
    );
    manager
        .create_provisioning_task()
        .body(task(Some("bob.home@example.org")))
        .send()
        .await
        .unwrap();
    let link = server.smtp.nth_to("bob.home@example.org", 0).await;
    assert!(link.text().contains("/self-enroll#"), "{}", link.text());
    let told = server.smtp.nth_to(BOB_EMAIL, 0).await;
    assert_eq!(
        told.subject(),
        "Your software token link was sent to another address"
    );
    assert!(told.text().contains("b***@example.org"), "{}", told.text());
    assert!(
        told.text().contains("Test Operator sent the link"),
        "{}",
        told.text()
    );
}
