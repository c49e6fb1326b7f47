//! Defects found by review and black-box tests, each pinned by the behaviour that must hold.

use enrolld::auth::scopes::Scope;
use enrolld_tests::{Client, TestServer, new_user, problem_of, types};
use serde_json::{Value, json};

async fn create(client: &Client, username: &str) -> Result<types::User, types::Problem> {
    client
        .create_user()
        .body(new_user(username))
        .send()
        .await
        .map(|r| r.into_inner())
        .map_err(|e| match e {
            enrolld_client::Error::ErrorResponse(r) => r.into_inner(),
            other => panic!("{other:?}"),
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_odd_device_name_never_breaks_the_users_enrollment_view() {
    let server = TestServer::start().await;
    let admin = server.admin();
    // No directory email: the enrollment commits without a notice.
    let secret = session_secret(&server, "dora").await;
    let registered = server
        .http()
        .post(server.url("/v1/app/registrations"))
        .json(&json!({"secret": secret, "device_name": "+ééé", "platform": "android"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        registered.status(),
        201,
        "{}",
        registered.text().await.unwrap()
    );
    let enrollments = admin
        .list_enrollments()
        .user("dora")
        .send()
        .await
        .unwrap()
        .into_inner();
    let app = enrollments
        .items
        .iter()
        .find(|e| e.service == "mobile-app")
        .unwrap();
    assert_eq!(app.address, "+ééé");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_be_an_object_not_an_array() {
    let server = TestServer::start().await;
    let token = server.token("admin", Scope::ALL);
    let http = server.http();
    let created = http
        .post(server.url("/v1/users"))
        .bearer_auth(&token)
        .json(&json!(["arrayuser", "Array User"]))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 422);
    let problem: Value = created.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "body");
    let patched = http
        .patch(server.url("/v1/identity-services/mobile-code"))
        .bearer_auth(&token)
        .json(&json!([false, true, false]))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 422);
    let services = server
        .admin()
        .list_identity_services()
        .send()
        .await
        .unwrap()
        .into_inner();
    let mobile = services
        .items
        .iter()
        .find(|s| s.id == "mobile-code")
        .unwrap();
    assert!(
        mobile.enabled,
        "the array must not have changed the service"
    );
    let users = server
        .admin()
        .list_users()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(users.items.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_alike_and_uuid_shaped_usernames_are_refused() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let alice = create(&admin, "alice").await.unwrap();
    for (name, code) in [
        ("аlice", "username_confusable"),
        ("ａlice", "username_taken"),
        ("ALICE", "username_taken"),
    ] {
        let problem = create(&admin, name).await.unwrap_err();
        assert_eq!(problem.code.to_string(), code, "{name}: {problem:?}");
        assert!(problem.detail.contains("alice"), "{problem:?}");
    }
    for name in ["𝐚lice", "ⅰalice", "alice١", alice.id.as_str()] {
        let problem = create(&admin, name).await.unwrap_err();
        assert_eq!(problem.status, 422, "{name}: {problem:?}");
        assert_eq!(problem.errors[0].field, "username");
    }
    // Renaming into a look-alike is refused too; the batch import answers per row.
    let bob = create(&admin, "bob").await.unwrap();
    let renamed = problem_of(
        admin
            .update_user()
            .user(&bob.id)
            .body(types::UpdateUser {
                username: Some("аlicе".into()),
                ..Default::default()
            })
            .send()
            .await,
    );
    assert_eq!(renamed.code, types::ErrorCode::UsernameConfusable);
    let imported = admin
        .import_users()
        .body(types::ImportUsers {
            users: vec![new_user("аlice"), new_user("carol"), new_user("сarol")],
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let statuses: Vec<String> = imported
        .results
        .iter()
        .map(|r| r.status.to_string())
        .collect();
    assert_eq!(statuses, ["error", "created", "error"]);
    // A user is found by id first: no username can shadow an id.
    let found = admin.get_user().user(&alice.id).send().await.unwrap();
    assert_eq!(found.into_inner().username, "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_folds_case_in_every_script() {
    let server = TestServer::start().await;
    let admin = server.admin();
    for (username, display) in [
        ("jose", "JOSÉ UPPER"),
        ("erin", "Érin Ünicode"),
        ("sokrates", "ΣΩΚΡΑΤΗΣ"),
        ("plain", "Plain Person"),
    ] {
        let mut user = new_user(username);
        user.display_name = Some(display.into());
        admin.create_user().body(user).send().await.unwrap();
    }
    for (q, expected) in [
        ("josé", "jose"),
        ("Érin", "erin"),
        ("érin ü", "erin"),
        ("σωκρ", "sokrates"),
    ] {
        let page = admin.list_users().q(q).send().await.unwrap().into_inner();
        let names: Vec<&str> = page.items.iter().map(|u| u.username.as_str()).collect();
        assert_eq!(names, [expected], "q={q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encoded_paths_get_the_same_authentication_and_audit() {
    let server = TestServer::start().await;
    let http = server.http();
    let reader = server.token("reader", &[Scope::UsersRead]);
    for path in [
        "/v1/enrollments/%62atch",
        "/v1/enrollments/batch",
        "/v1/%65nrollments/batch",
    ] {
        let anonymous = http
            .post(server.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
        let unscoped = http
            .post(server.url(path))
            .bearer_auth(&reader)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(unscoped.status(), 403, "{path}");
    }
    let denied = server
        .admin()
        .list_audit_events()
        .action("authorization_failed")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(denied.items.len(), 3);
    for path in ["/v1//users", "/v1/users/", "/v1/nothing"] {
        let answer = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        assert_eq!(answer.headers()["content-type"], "application/problem+json");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weak_validator_does_not_match() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let bob = create(&admin, "bob").await.unwrap();
    let http = server.http();
    let token = server.token("admin", Scope::ALL);
    let current = http
        .get(server.url(&format!("/v1/users/{}", bob.id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let weak = http
        .patch(server.url("/v1/users/bob"))
        .bearer_auth(&token)
        .header("if-match", format!("W/{etag}"))
        .json(&json!({"display_name": "Bobby"}))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 412);
    let strong = http
        .patch(server.url("/v1/users/bob"))
        .bearer_auth(&token)
        .header("if-match", etag)
        .json(&json!({"display_name": "Bobby"}))
        .send()
        .await
        .unwrap();
    assert_eq!(strong.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_switches_close_the_docs_and_metrics() {
    let open = TestServer::start().await;
    let http = open.http();
    let head = http.head(open.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let page = http.get(open.url("/swagger-ui/")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        http.get(open.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let closed = TestServer::start_with(|c| {
        c.docs = false;
        c.metrics_require_token = true;
    })
    .await;
    let http = closed.http();
    for path in ["/swagger-ui/", "/openapi.json", "/swagger-ui/index.css"] {
        let answer = http.get(closed.url(path)).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
    }
    assert_eq!(
        http.get(closed.url("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let without = closed.token("ops", &[Scope::UsersRead]);
    let refused = http
        .get(closed.url("/metrics"))
        .bearer_auth(without)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let with = closed.token("ops", &[Scope::MetricsRead]);
    let metrics = http
        .get(closed.url("/metrics"))
        .bearer_auth(with)
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrays_and_texts_have_documented_caps() {
    let server = TestServer::start().await;
    let token = server.token("admin", Scope::ALL);
    let http = server.http();
    let users: Vec<Value> = (0..10_001).map(|i| json!(format!("user{i}"))).collect();
    let items: Vec<Value> = (0..10_001)
        .map(|i| json!({"user": format!("user{i}"), "service": "personal-email", "address": "a@example.com"}))
        .collect();
    for (path, body, field) in [
        ("/v1/enrollments/batch", json!({"items": items}), "items"),
        (
            "/v1/provisioning-tasks/1/remove-users",
            json!({"users": users}),
            "users",
        ),
        (
            "/v1/provisioning-tasks/1/resend",
            json!({"users": users}),
            "users",
        ),
        ("/v1/users/import", json!({"users": []}), "users"),
    ] {
        let answer = http
            .post(server.url(path))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 422, "{path}");
        let problem: Value = answer.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("10000")
                || field == "users",
            "{problem}"
        );
    }
    let spec: Value = serde_json::from_str(&enrolld::api::openapi::document_text()).unwrap();
    let batch = &spec["components"]["schemas"]["BatchEnroll"]["properties"]["items"];
    assert_eq!(batch["maxItems"], 10000);
    let import = &spec["components"]["schemas"]["ImportUsers"]["properties"]["users"];
    assert_eq!(import["maxItems"], 50000);
    let huge = "x".repeat(20_001);
    let template = http
        .put(server.url("/v1/notification-templates/personal-email/email/enrollment-code"))
        .bearer_auth(&token)
        .json(&json!({"subject": "Code", "text": format!("{{{{Code}}}} {huge}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(template.status(), 422);
    let problem: Value = template.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "text");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_declares_the_bounds_the_server_enforces() {
    let spec: Value = serde_json::from_str(&enrolld::api::openapi::document_text()).unwrap();
    let mut limits = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "limit" {
                    limits += 1;
                    assert_eq!(parameter["schema"]["minimum"], 1, "{template}");
                    assert_eq!(parameter["schema"]["maximum"], 500, "{template}");
                }
                if parameter["name"] == "user" && parameter["in"] == "query" {
                    assert!(operation["responses"]["404"].is_object(), "{template}");
                }
                if parameter["name"] == "size" {
                    assert_eq!(parameter["schema"]["minimum"], 64, "{template}");
                    assert_eq!(parameter["schema"]["maximum"], 2048, "{template}");
                }
            }
        }
    }
    assert!(limits >= 6);
    let schemas = &spec["components"]["schemas"];
    let window = &schemas["IdentityVerificationSettings"]["properties"]["window_minutes"];
    assert_eq!(
        (window["minimum"].clone(), window["maximum"].clone()),
        (json!(5), json!(60))
    );
    let days = &schemas["SelfEnrollmentPolicy"]["properties"]["validity_days"];
    assert_eq!(
        (days["minimum"].clone(), days["maximum"].clone()),
        (json!(1), json!(365))
    );
}

async fn session_secret(server: &TestServer, user: &str) -> String {
    server.stop_enforcing_identity_verification().await;
    create(&server.admin(), user).await.unwrap();
    new_session_secret(server, user).await
}

/// The secret of a new registration session for an existing `user` (enforcement off).
pub(crate) async fn new_session_secret(server: &TestServer, user: &str) -> String {
    let session = enrolld_tests::fixtures::start_session(&server.admin(), user).await;
    let url = session.enroll_url.unwrap();
    url.split_once("/enroll#").unwrap().1.to_owned()
}

async fn register_from(server: &TestServer, secret: &str, client_address: &str) -> u16 {
    server
        .http()
        .post(server.url("/v1/app/registrations"))
        .header("x-forwarded-for", client_address)
        .json(&json!({"secret": secret, "device_name": "Phone", "platform": "android"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_bad_secrets_never_locks_out_holders_of_valid_ones() {
    let server = TestServer::start_with(|c| c.trusted_proxies = Some("127.0.0.1/32".into())).await;
    let first = session_secret(&server, "ann").await;
    let second = session_secret(&server, "ben").await;
    let bogus = format!("{}.{}", "0".repeat(32), "A".repeat(43));
    let mut statuses = Vec::new();
    for _ in 0..15 {
        statuses.push(register_from(&server, &bogus, "198.51.100.1").await);
    }
    assert_eq!(&statuses[..10], &[422; 10]);
    assert_eq!(&statuses[10..], &[429; 5]);
    // A genuine secret from the flooded address, and one from another address behind the proxy.
    assert_eq!(register_from(&server, &first, "198.51.100.1").await, 201);
    assert_eq!(register_from(&server, &second, "198.51.100.2").await, 201);
    // The other address has its own allowance.
    assert_eq!(register_from(&server, &bogus, "198.51.100.2").await, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_burst_cannot_pass_the_failure_cap() {
    let server = TestServer::start().await;
    let bogus = format!("{}.{}", "0".repeat(32), "A".repeat(43));
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let http = server.http();
        let url = server.url("/v1/app/registrations");
        let body = json!({"secret": bogus, "device_name": "Phone", "platform": "android"});
        // Without trusted proxies the header is not believed: all 50 count against 127.0.0.1.
        tasks.push(tokio::spawn(async move {
            let sent = http
                .post(url)
                .header("x-forwarded-for", "203.0.113.9")
                .json(&body);
            sent.send().await.unwrap().status().as_u16()
        }));
    }
    let mut counted = 0;
    for task in tasks {
        match task.await.unwrap() {
            422 => counted += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(counted, 10, "exactly the cap was counted before 429");
    let failures = server
        .admin()
        .list_audit_events()
        .action("register_app")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(failures.items.len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_counters_and_idempotency_answers_are_purged() {
    let server = TestServer::start().await;
    let bogus = format!("{}.{}", "0".repeat(32), "A".repeat(43));
    assert_eq!(register_from(&server, &bogus, "x").await, 422);
    let admin = server.admin();
    let mut ann = new_user("ann");
    ann.email = Some("ann@example.com".into());
    admin.create_user().body(ann).send().await.unwrap();
    admin
        .create_provisioning_task()
        .idempotency_key("purge-test-1")
        .body(enrolld_tests::fixtures::task_request(&["ann"], None))
        .send()
        .await
        .unwrap();
    let count = |table: &str| server.count_rows(table);
    let (counters, answers) = (count("rate_limits"), count("idempotency_keys"));
    assert!(counters >= 1 && answers == 1, "{counters} {answers}");
    // Nothing live is purged.
    enrolld::service::purge::run_once(&server.state)
        .await
        .unwrap();
    assert_eq!(
        (count("rate_limits"), count("idempotency_keys")),
        (counters, answers)
    );
    server.clock.advance(chrono::Duration::hours(25));
    enrolld::service::purge::run_once(&server.state)
        .await
        .unwrap();
    assert_eq!((count("rate_limits"), count("idempotency_keys")), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_wakes_the_relay_of_each_channel() {
    // With a one-minute poll, only the wake-up on commit can deliver within the sinks' wait.
    let server = TestServer::start_with(|c| c.outbox_poll_ms = 60_000).await;
    let admin = server.admin();
    let mut eve = new_user("eve");
    eve.email = Some("eve@example.com".into());
    eve.phone = Some("+15550001111".into());
    admin.create_user().body(eve).send().await.unwrap();
    for channel in [types::CodeChannel::Sms, types::CodeChannel::Email] {
        admin
            .create_identity_verification()
            .user("eve")
            .body(types::StartIdentityVerification { channel })
            .send()
            .await
            .unwrap();
    }
    server.sms.nth_to("+15550001111", 0).await;
    server.smtp.nth_to("eve@example.com", 0).await;
}
