//! Fixtures for enrollment flows and petitions: flows from JSON, invitations, the secret and code
//! a petitioner finds in the email, and the public steps the `/join` page takes.

use serde_json::{Value, json};

use crate::sinks::code_in;
use crate::{TestServer, types};

/// A flow from JSON (the fields a test cares about; the rest default).
pub fn flow(body: Value) -> types::CreateEnrollmentFlow {
    serde_json::from_value(body).unwrap_or_else(|e| panic!("flow body: {e}"))
}

/// Creates a flow, through the SDK.
pub async fn create_flow(server: &TestServer, body: Value) -> types::EnrollmentFlow {
    server
        .admin()
        .create_enrollment_flow()
        .body(flow(body))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create flow: {e:?}"))
        .into_inner()
}

/// A petition for `email` (with `extra` fields such as names or `select`).
pub fn petition(email: &str, extra: Value) -> types::CreatePetition {
    let mut body = json!({"email": email});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    serde_json::from_value(body).unwrap_or_else(|e| panic!("petition body: {e}"))
}

/// Invites `email` to `flow`, through the SDK.
pub async fn invite(server: &TestServer, flow: &str, email: &str, extra: Value) -> types::Petition {
    server
        .admin()
        .create_invitation()
        .flow(flow)
        .body(petition(email, extra))
        .send()
        .await
        .unwrap_or_else(|e| panic!("invite: {e:?}"))
        .into_inner()
}

/// The secret of the `/join#…` link in a message.
pub fn join_secret_in(text: &str) -> String {
    let at = text
        .find("/join#")
        .unwrap_or_else(|| panic!("no join link in {text:?}"));
    text[at + 6..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect()
}

/// The join secret in the `index`-th email to `email`.
pub async fn emailed_secret(server: &TestServer, email: &str, index: usize) -> String {
    join_secret_in(&server.smtp.nth_to(email, index).await.text())
}

/// The code in the `index`-th email to `email`.
pub async fn emailed_code(server: &TestServer, email: &str, index: usize) -> String {
    code_in(&server.smtp.nth_to(email, index).await.text())
}

/// Confirms by the public step, through the SDK: the page's view, or the problem.
pub async fn confirm(
    server: &TestServer,
    secret: &str,
    code: Option<&str>,
) -> Result<types::JoinView, enrolld_client::Error<types::Problem>> {
    let mut body = json!({"secret": secret});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    let body: types::ConfirmJoin = serde_json::from_value(body).unwrap();
    server
        .admin()
        .confirm_join()
        .body(body)
        .send()
        .await
        .map(|r| r.into_inner())
}

/// Waits until the outbox has sent everything queued so far.
pub async fn outbox_settled(server: &TestServer) {
    for _ in 0..200 {
        if server.count_rows("notifications WHERE sent_at IS NULL") == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the outbox did not settle");
}
