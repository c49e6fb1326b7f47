use enrolld_tests::fixtures::rename;
use enrolld_tests::{TestServer, new_user, problem_of, status_of, types};

/// A change of display name only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_get_update_delete_with_etags() {
    let server = TestServer::start().await;
    let client = server.admin();
    let mut body = new_user("Bob");
    body.email = Some("bob@example.com".into());
    body.phone = Some("+15551234567".into());
    body.display_name = Some("Bob Example".into());
    let created = client.create_user().body(body).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let etag = created.headers()["etag"].to_str().unwrap().to_owned();
    let bob = created.into_inner();
    assert_eq!(bob.username, "bob");
    assert_eq!(bob.state, types::UserState::Active);

    // By id and by username.
    let by_id = client
        .get_user()
        .user(&bob.id)
        .send()
        .await
        .unwrap()
        .into_inner();
    let by_name = client
        .get_user()
        .user("BOB")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_id.id, bob.id);
    assert_eq!(by_name.id, bob.id);

    // Same username again: 409.
    let conflict = problem_of(client.create_user().body(new_user("bob")).send().await);
    assert_eq!(conflict.status, 409);
    assert_eq!(conflict.code, types::ErrorCode::UsernameTaken);

    // PATCH with the current ETag works and changes the ETag; the old one then gets 412.
    let changed = client
        .update_user()
        .user("bob")
        .if_match(&etag)
        .body(types::UpdateUser {
            state: Some(types::UserState::Disabled),
            ..rename("Robert Example")
        })
        .send()
        .await
        .unwrap();
    let new_etag = changed.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    assert_eq!(changed.into_inner().display_name, "Robert Example");
    let stale = problem_of(
        client
            .update_user()
            .user("bob")
            .if_match(&etag)
            .body(rename("Stale"))
            .send()
            .await,
    );
    assert_eq!(stale.status, 412);
    assert_eq!(
        status_of(
            client
                .delete_user()
                .user("bob")
                .if_match(&etag)
                .send()
                .await
        ),
        412
    );

    // null clears an optional field (raw HTTP: the client leaves absent fields out).
    let response = server
        .http()
        .patch(server.url("/v1/users/bob"))
        .bearer_auth(server.token("admin", enrolld::auth::scopes::Scope::ALL))
        .json(&serde_json::json!({"phone": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cleared: serde_json::Value = response.json().await.unwrap();
    assert!(cleared["phone"].is_null());
    assert_eq!(cleared["email"], "bob@example.com");

    // A dry-run delete changes nothing; a real one removes the user.
    client
        .delete_user()
        .user("bob")
        .dry_run(true)
        .send()
        .await
        .unwrap();
    client.get_user().user("bob").send().await.unwrap();
    client.delete_user().user("bob").send().await.unwrap();
    assert_eq!(status_of(client.get_user().user("bob").send().await), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validation_names_each_field() {
    let server = TestServer::start().await;
    let client = server.admin();
    let mut body = new_user("bad name!");
    body.email = Some("not-an-email".into());
    body.phone = Some("555-1234".into());
    let problem = problem_of(client.create_user().body(body).send().await);
    assert_eq!(problem.status, 422);
    assert_eq!(problem.code, types::ErrorCode::ValidationFailed);
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["username", "email", "phone"]);
    // A dry run of a valid user answers like a real create, and stores nothing.
    let dry = client
        .create_user()
        .dry_run(true)
        .body(new_user("carol"))
        .send()
        .await
        .unwrap();
    assert_eq!(dry.into_inner().username, "carol");
    assert_eq!(status_of(client.get_user().user("carol").send().await), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_and_pages_with_a_cursor() {
    let server = TestServer::start().await;
    let client = server.admin();
    for i in 0..7 {
        let mut body = new_user(&format!("user{i}"));
        body.email = Some(format!("user{i}@example.com"));
        if i % 2 == 1 {
            body.state = Some(types::UserState::Disabled);
        }
        client.create_user().body(body).send().await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = client.list_users().limit(3);
        if let Some(c) = &cursor {
            request = request.cursor(c);
        }
        let page = request.send().await.unwrap().into_inner();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.into_iter().map(|u| u.username));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("user{i}")).collect::<Vec<_>>());

    let disabled = client
        .list_users()
        .state(types::UserState::Disabled)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        disabled
            .items
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["user1", "user3", "user5"]
    );
    let searched = client
        .list_users()
        .q("USER4@EXAMPLE")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(searched.items.len(), 1);
    assert_eq!(searched.items[0].username, "user4");

    assert_eq!(status_of(client.list_users().limit(501).send().await), 422);
    assert_eq!(
        status_of(client.list_users().cursor("garbage").send().await),
        422
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_ten_thousand_rows_in_one_request() {
    let server = TestServer::start().await;
    let client = server.admin();
    client
        .create_user()
        .body(new_user("existing-same"))
        .send()
        .await
        .unwrap();
    let mut changed = new_user("existing-changed");
    changed.email = Some("old@example.com".into());
    client.create_user().body(changed).send().await.unwrap();

    let mut rows: Vec<types::CreateUser> = (0..10_000)
        .map(|i| {
            let mut row = new_user(&format!("import{i:05}"));
            row.email = Some(format!("import{i}@example.com"));
            row
        })
        .collect();
    rows.push(new_user("existing-same"));
    let mut changed = new_user("existing-changed");
    changed.email = Some("new@example.com".into());
    rows.push(changed);
    let mut bad = new_user("bad-phone");
    bad.phone = Some("12345".into());
    rows.push(bad);
    rows.push(new_user("import00000"));

    let dry = client
        .import_users()
        .dry_run(true)
        .body(types::ImportUsers {
            users: rows.clone(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(dry.dry_run);
    assert_eq!(
        (dry.created, dry.updated, dry.unchanged, dry.failed),
        (10_000, 1, 1, 2)
    );
    assert_eq!(
        status_of(client.get_user().user("import00001").send().await),
        404
    );

    let result = client
        .import_users()
        .body(types::ImportUsers { users: rows })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            result.created,
            result.updated,
            result.unchanged,
            result.failed
        ),
        (10_000, 1, 1, 2)
    );
    assert_eq!(result.results.len(), 10_004);
    let bad = &result.results[10_002];
    assert_eq!(bad.status, types::ImportStatus::Error);
    assert_eq!(bad.errors[0].field, "users[10002].phone");
    let duplicate = &result.results[10_003];
    assert_eq!(duplicate.status, types::ImportStatus::Error);
    assert!(duplicate.errors[0].message.contains("more than once"));
    let fetched = client
        .get_user()
        .user("import09999")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(Some(fetched.id), result.results[9_999].id);
    let updated = client
        .get_user()
        .user("existing-changed")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));

    // Importing the same rows again changes nothing.
    let again_rows: Vec<types::CreateUser> = (0..100)
        .map(|i| {
            let mut row = new_user(&format!("import{i:05}"));
            row.email = Some(format!("import{i}@example.com"));
            row
        })
        .collect();
    let again = client
        .import_users()
        .body(types::ImportUsers { users: again_rows })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((again.created, again.unchanged), (0, 100));
}
