//! State is checked when a link, session or code is used, not only when it was made: a disabled
//! user, a switched-off identity service, a removed task or a deleted user stops every outstanding
//! one at once.

use enrolld_tests::sinks::code_in;
use enrolld_tests::{TestServer, new_user, types};
use serde_json::{Value, json};

use enrolld_tests::fixtures::{
    email_challenge, link_secret, start_email_verification, task_request,
};

const BOB: &str = "bob@example.com";

/// What Bob has outstanding: a registration session, a self-enrollment link, an identity
/// verification code and an enrollment challenge code.
struct Outstanding {
    session_secret: String,
    link_secret: String,
    task: i64,
    verification: (String, String),
    challenge: (String, String),
}

async fn outstanding(server: &TestServer) -> Outstanding {
    server.stop_enforcing_identity_verification().await;
    let admin = server.admin();
    let mut bob = new_user("bob");
    bob.email = Some(BOB.into());
    admin.create_user().body(bob).send().await.unwrap();
    let session_secret = crate::hardening::new_session_secret(server, "bob").await;
    let task = admin
        .create_provisioning_task()
        .body(task_request(&["bob"], None))
        .send()
        .await
        .unwrap()
        .into_inner();
    let link_secret = link_secret(&server.smtp.nth_to(BOB, 0).await.text());
    let verification = start_email_verification(&admin, "bob").await.id;
    let verification_code = code_in(&server.smtp.nth_to(BOB, 1).await.text());
    let challenge = admin
        .create_enrollment_challenge()
        .user("bob")
        .body(email_challenge("bob@example.org"))
        .send()
        .await
        .unwrap()
        .into_inner()
        .id;
    let challenge_code = code_in(&server.smtp.nth_to("bob@example.org", 0).await.text());
    Outstanding {
        session_secret,
        link_secret,
        task: task.number,
        verification: (verification, verification_code),
        challenge: (challenge, challenge_code),
    }
}

/// Status and problem code of a JSON POST (with the administrator's token unless `public`).
async fn post(server: &TestServer, path: &str, body: Value, public: bool) -> (u16, String) {
    let mut request = server.http().post(server.url(path)).json(&body);
    if !public {
        request = request.bearer_auth(server.token("admin", enrolld::auth::scopes::Scope::ALL));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let problem: Value = response.json().await.unwrap_or_default();
    (
        status,
        problem["code"].as_str().unwrap_or_default().to_owned(),
    )
}

impl Outstanding {
    async fn register(&self, server: &TestServer) -> (u16, String) {
        let body =
            json!({"secret": self.session_secret, "device_name": "Pixel", "platform": "android"});
        post(server, "/v1/app/registrations", body, true).await
    }

    async fn self_enroll(&self, server: &TestServer) -> (u16, String) {
        let body = json!({"secret": self.link_secret});
        post(server, "/v1/self-enrollment/start", body, true).await
    }

    async fn confirm(&self, server: &TestServer) -> (u16, String) {
        let (id, code) = &self.verification;
        let path = format!("/v1/identity-verifications/{id}/confirm");
        post(server, &path, json!({"code": code}), false).await
    }

    async fn verify_challenge(&self, server: &TestServer) -> (u16, String) {
        let (id, code) = &self.challenge;
        let path = format!("/v1/enrollment-challenges/{id}/verify");
        post(server, &path, json!({"code": code}), false).await
    }
}

fn refused_link(code: &str) -> (u16, String) {
    (422, code.to_owned())
}

impl Outstanding {
    /// The session and the self-enrollment link get the answer every unusable secret gets.
    async fn assert_links_refused(&self, server: &TestServer) {
        let session = self.register(server).await;
        assert_eq!(session, refused_link("invalid_registration_secret"));
        let link = self.self_enroll(server).await;
        assert_eq!(link, refused_link("invalid_self_enrollment_link"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_stops_every_outstanding_link_session_and_code() {
    let server = TestServer::start().await;
    let bob = outstanding(&server).await;
    server
        .admin()
        .update_user()
        .user("bob")
        .body(types::UpdateUser {
            state: Some(types::UserState::Disabled),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    bob.assert_links_refused(&server).await;
    assert_eq!(bob.confirm(&server).await, (409, "user_disabled".into()));
    assert_eq!(
        bob.verify_challenge(&server).await,
        (409, "user_disabled".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_a_service_off_stops_its_outstanding_links_sessions_and_codes() {
    let server = TestServer::start().await;
    let bob = outstanding(&server).await;
    for service in ["mobile-app", "software-token", "personal-email"] {
        server
            .admin()
            .update_identity_service()
            .service(service)
            .body(types::UpdateIdentityService {
                enabled: Some(false),
                agent_can_enroll: None,
                removable: None,
            })
            .send()
            .await
            .unwrap();
    }
    bob.assert_links_refused(&server).await;
    assert_eq!(
        bob.verify_challenge(&server).await,
        (422, "service_disabled".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_a_task_stops_its_links_even_after_the_token_was_started() {
    let server = TestServer::start().await;
    let bob = outstanding(&server).await;
    assert_eq!(bob.self_enroll(&server).await.0, 200);
    server
        .admin()
        .delete_provisioning_task()
        .number(bob.task)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bob.self_enroll(&server).await,
        refused_link("invalid_self_enrollment_link")
    );
    let body = json!({"secret": bob.link_secret, "otp": "123456"});
    assert_eq!(
        post(&server, "/v1/self-enrollment/complete", body, true).await,
        refused_link("invalid_self_enrollment_link")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_user_stops_every_outstanding_link_session_and_code() {
    let server = TestServer::start().await;
    let bob = outstanding(&server).await;
    server
        .admin()
        .delete_user()
        .user("bob")
        .send()
        .await
        .unwrap();
    bob.assert_links_refused(&server).await;
    assert_eq!(bob.confirm(&server).await.0, 404);
    assert_eq!(bob.verify_challenge(&server).await.0, 404);
}
