//! `ETag` and `If-Match` on every resource that can be changed (users have their own test): a read
//! answers with the version, a change naming an older one is refused with 412 and changes nothing,
//! and with `require_if_match` a change naming none is refused with 428.

use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use enrolld_tests::fixtures::{create_users, start_session, task_request};
use reqwest::Method;
use serde_json::{Value, json};

/// A resource: where it is read, and a change of it.
struct Resource {
    read: String,
    method: Method,
    body: Option<Value>,
}

impl Resource {
    fn new(read: &str, method: Method, body: Option<Value>) -> Self {
        Self {
            read: read.into(),
            method,
            body,
        }
    }
}

/// Sends a change of `resource`, with `If-Match` when given; answers the status.
async fn change(server: &TestServer, resource: &Resource, if_match: Option<&str>) -> u16 {
    let token = server.token("admin", Scope::ALL);
    let mut request = server
        .http()
        .request(resource.method.clone(), server.url(&resource.read))
        .bearer_auth(token);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    if let Some(body) = &resource.body {
        request = request.json(body);
    }
    request.send().await.unwrap().status().as_u16()
}

/// The resource's body and `ETag`.
async fn read(server: &TestServer, path: &str) -> (Value, String) {
    let token = server.token("admin", Scope::ALL);
    let answer = server
        .http()
        .get(server.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    let tag = answer.headers()["etag"].to_str().unwrap().to_owned();
    (answer.json().await.unwrap(), tag)
}

/// One of each changeable resource (a task and a pending session need a user or two first).
async fn resources(server: &TestServer) -> Vec<Resource> {
    let admin = server.admin();
    create_users(&admin, &["carol", "dave"]).await;
    let task = admin
        .create_provisioning_task()
        .body(task_request(&["dave"], None))
        .send()
        .await
        .unwrap()
        .into_inner();
    let session = start_session(&admin, "carol").await;
    let source = json!({"name": "pilot", "kind": "file", "file": {"path": "people.csv"}});
    let source: enrolld_tests::types::CreateIdentitySource =
        serde_json::from_value(source).unwrap();
    admin
        .create_identity_source()
        .body(source)
        .send()
        .await
        .unwrap();
    enrolld_tests::petitions::create_flow(
        server,
        json!({"name": "staff", "authorization": "invitation"}),
    )
    .await;
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let task_path = format!("/v1/provisioning-tasks/{}", task.number);
    vec![
        Resource::new(
            "/v1/identity-services/personal-email",
            Method::PATCH,
            Some(json!({"agent_can_enroll": false})),
        ),
        Resource::new(
            "/v1/notification-templates/mobile-code/sms/enrollment-code",
            Method::PUT,
            Some(json!({"text": "Your code: {{Code}}"})),
        ),
        Resource::new(
            "/v1/settings/identity-verification",
            Method::PUT,
            Some(json!({"enforce": false, "window_minutes": 20})),
        ),
        Resource::new(
            "/v1/settings/self-enrollment-policy",
            Method::PUT,
            Some(json!({"validity_days": 9, "max_attempts": 4})),
        ),
        Resource::new(&task_path, Method::PATCH, Some(json!({"stop_date": later}))),
        Resource::new(
            "/v1/identity-sources/pilot",
            Method::PATCH,
            Some(json!({"timeout_seconds": 7})),
        ),
        Resource::new(
            "/v1/enrollment-flows/staff",
            Method::PATCH,
            Some(json!({"approval_required": true})),
        ),
        Resource::new(&task_path, Method::DELETE, None),
        Resource::new(
            &format!("/v1/registration-sessions/{}", session.id),
            Method::DELETE,
            None,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_naming_an_older_version_is_refused_and_changes_nothing() {
    let server = TestServer::start().await;
    for resource in resources(&server).await {
        let what = format!("{} {}", resource.method, resource.read);
        let (before, tag) = read(&server, &resource.read).await;
        assert_eq!(
            change(&server, &resource, Some("\"older\"")).await,
            412,
            "{what}"
        );
        assert_eq!(
            change(&server, &resource, Some(&format!("W/{tag}"))).await,
            412,
            "{what}"
        );
        let (unchanged, same_tag) = read(&server, &resource.read).await;
        assert_eq!(
            (unchanged, same_tag.as_str()),
            (before, tag.as_str()),
            "{what}"
        );
        let done = change(&server, &resource, Some(&tag)).await;
        assert!(done == 200 || done == 204, "{what}: {done}");
        let (_, new_tag) = read(&server, &resource.read).await;
        assert_ne!(new_tag, tag, "{what}: the change gives a new version");
        // The version read before the change is older now.
        assert_eq!(change(&server, &resource, Some(&tag)).await, 412, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_require_if_match_a_change_naming_no_version_is_refused_with_428() {
    let server = TestServer::start_with(|c| c.require_if_match = true).await;
    let admin = server.admin();
    for resource in resources(&server).await {
        let what = format!("{} {}", resource.method, resource.read);
        let token = server.token("admin", Scope::ALL);
        let mut request = server
            .http()
            .request(resource.method.clone(), server.url(&resource.read))
            .bearer_auth(token);
        if let Some(body) = &resource.body {
            request = request.json(body);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 428, "{what}");
        let problem: Value = answer.json().await.unwrap();
        assert_eq!(problem["code"], "precondition_required", "{what}");
        let done = change(&server, &resource, Some("*")).await;
        assert!(
            done == 200 || done == 204,
            "{what}: `*` names whatever version is current"
        );
    }
    // Creating needs no version; changing a user does.
    let created = admin
        .create_user()
        .body(enrolld_tests::new_user("erin"))
        .send()
        .await;
    assert_eq!(created.unwrap().status(), 201);
    let refused = admin.delete_user().user("erin").send().await;
    assert_eq!(enrolld_tests::status_of(refused), 428);
}
