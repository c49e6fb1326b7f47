use diesel::RunQueryDsl;
use enrolld::auth::scopes::Scope;
use enrolld_tests::{Client, TestServer, new_user, types};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_and_refusals_are_audited_and_filterable() {
    let server = TestServer::start().await;
    let agent = server.client_with("agent-7", &[Scope::UsersWrite, Scope::UsersRead]);
    let (dave, request_id) = the_agent_creates_and_deletes_dave(&agent).await;
    a_dry_run_creates_erin(&agent).await;
    an_anonymous_and_an_unscoped_request_are_refused(&server).await;

    let auditor = server.client_with("auditor", &[Scope::AuditRead]);
    the_agents_changes_are_listed_newest_first(&auditor, &dave, &request_id).await;
    events_filter_by_target_and_action(&auditor, &dave).await;
    events_filter_by_time_and_page(&server, &auditor).await;
}

/// Answers Dave as created, and the request ID of his creation.
async fn the_agent_creates_and_deletes_dave(agent: &Client) -> (types::User, String) {
    let created = agent
        .create_user()
        .body(new_user("dave"))
        .send()
        .await
        .unwrap();
    let request_id = created.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let dave = created.into_inner();
    agent.delete_user().user("dave").send().await.unwrap();
    (dave, request_id)
}

/// A dry run is not a change: nothing is recorded.
async fn a_dry_run_creates_erin(agent: &Client) {
    agent
        .create_user()
        .dry_run(true)
        .body(new_user("erin"))
        .send()
        .await
        .unwrap();
}

/// Refusals: no token (anonymous), and a token without the scope.
async fn an_anonymous_and_an_unscoped_request_are_refused(server: &TestServer) {
    let response = server
        .http()
        .get(server.url("/v1/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let reader = server.client_with("reader-1", &[Scope::UsersRead]);
    assert_eq!(
        enrolld_tests::status_of(reader.create_user().body(new_user("x")).send().await),
        403
    );
}

/// By actor, the agent's two changes, newest first, with the request ID, actor and target.
async fn the_agents_changes_are_listed_newest_first(
    auditor: &Client,
    dave: &types::User,
    request_id: &str,
) {
    let by_agent = auditor
        .list_audit_events()
        .actor("agent-7")
        .send()
        .await
        .unwrap()
        .into_inner();
    let actions: Vec<&str> = by_agent.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["delete_user", "create_user"], "newest first");
    let create = &by_agent.items[1];
    assert_eq!(create.outcome, "success");
    assert_eq!(create.request_id.as_deref(), Some(request_id));
    assert_eq!(create.actor.name.as_deref(), Some("Test Operator"));
    let target = create.target.as_ref().unwrap();
    assert_eq!(
        (target.type_.as_str(), target.id.as_str()),
        ("user", dave.id.as_str())
    );
}

/// By target, Dave's two events; by action, the two refusals with their actors.
async fn events_filter_by_target_and_action(auditor: &Client, dave: &types::User) {
    let about_dave = auditor
        .list_audit_events()
        .target(&dave.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(about_dave.items.len(), 2);
    let failed = auditor
        .list_audit_events()
        .action("authentication_failed")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(failed.items.len(), 1);
    assert_eq!(failed.items[0].actor.type_, "anonymous");
    assert_eq!(failed.items[0].outcome, "denied");
    let denied = auditor
        .list_audit_events()
        .action("authorization_failed")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(denied.items[0].actor.id.as_deref(), Some("reader-1"));
    assert_eq!(
        denied.items[0].detail.as_ref().unwrap()["missing_scope"],
        "users:write"
    );
}

/// Time filters and paging.
async fn events_filter_by_time_and_page(server: &TestServer, auditor: &Client) {
    let future = server.clock.now() + chrono::Duration::hours(1);
    let none = auditor
        .list_audit_events()
        .since(future)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(none.items.is_empty());
    let first = auditor
        .list_audit_events()
        .limit(1)
        .send()
        .await
        .unwrap()
        .into_inner();
    let second = auditor
        .list_audit_events()
        .limit(1)
        .cursor(first.next_cursor.unwrap())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_ne!(first.items[0].id, second.items[0].id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_table_refuses_update_and_delete_in_the_database() {
    let server = TestServer::start().await;
    server
        .admin()
        .create_user()
        .body(new_user("frank"))
        .send()
        .await
        .unwrap();
    let mut conn = server.database();
    let update = diesel::sql_query("UPDATE audit_events SET outcome = 'forged'").execute(&mut conn);
    assert!(update.is_err(), "UPDATE went through");
    let delete = diesel::sql_query("DELETE FROM audit_events").execute(&mut conn);
    assert!(delete.is_err(), "DELETE went through");
    let events = server
        .admin()
        .list_audit_events()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(events.items.len(), 1);
    assert_eq!(events.items[0].outcome, "success");
}
