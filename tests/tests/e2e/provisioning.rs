use chrono::Duration;
use enrolld::auth::scopes::Scope;
use enrolld_tests::fixtures::{create_users, link_secret, task_request, totp};
use enrolld_tests::{Client, TestServer, assert_forbidden, new_user, problem_of, status_of, types};

fn operator(server: &TestServer) -> Client {
    server.client_with(
        "op-3",
        &[
            Scope::UsersRead,
            Scope::UsersWrite,
            Scope::ProvisioningRead,
            Scope::ProvisioningWrite,
            Scope::ProvisioningManage,
            Scope::EnrollmentsRead,
        ],
    )
}

fn self_enrollment(server: &TestServer) -> Client {
    Client::new(&server.base_url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_life_of_a_task() {
    let server = TestServer::start().await;
    let op = operator(&server);
    create_three_users_and_a_disabled_one(&op).await;
    let request = task_request(&["alice", "bob", "carol", "dave", "ghost"], None);
    let created = create_the_task(&server, &op, &request).await;
    retries_replay_and_a_second_task_is_refused(&op, request, &created).await;
    let app = self_enrollment(&server);
    let used = alice_enrolls_a_working_token(&server, &op, &app).await;
    let (locked, locked_right) = bob_guesses_wrong_until_the_entry_locks(&server, &app).await;
    let carol_secret = carol_is_resent_to_an_alternate_address(&server, &op, created.number).await;
    let canceled =
        removing_carol_cancels_her_link(&server, &op, &app, created.number, carol_secret).await;
    every_dead_link_answers_alike(&[&used, &locked, &locked_right, &canceled], &locked);
    the_completed_task_is_hidden_but_reported(&server, &op, created.number).await;
    the_task_and_each_user_are_audited(&server).await;
}

/// Alice, Bob and Carol, and Dave, who is disabled.
async fn create_three_users_and_a_disabled_one(op: &Client) {
    create_users(op, &["alice", "bob", "carol"]).await;
    let mut dave = new_user("dave");
    dave.state = Some(types::UserState::Disabled);
    op.create_user().body(dave).send().await.unwrap();
}

/// Created once with an idempotency key: three users provisioned, Dave and a ghost in error.
async fn create_the_task(
    server: &TestServer,
    op: &Client,
    request: &types::CreateProvisioningTask,
) -> types::ProvisioningTaskCreated {
    let today = server.clock.now().date_naive();
    let created = op
        .create_provisioning_task()
        .idempotency_key("task-1")
        .body(request.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created = created.into_inner();
    assert_eq!(created.count, 3);
    assert_eq!(created.operator.id, "op-3");
    assert_eq!(created.stop_date, today + Duration::days(14));
    assert_eq!(created.counts.active, 3);
    let statuses: Vec<String> = created
        .results
        .iter()
        .map(|r| r.status.to_string())
        .collect();
    assert_eq!(
        statuses,
        [
            "provisioned",
            "provisioned",
            "provisioned",
            "error",
            "error"
        ]
    );
    created
}

/// Created once, whatever the retries; the same key with another body is refused, and so is
/// a second task for a user with an outstanding entry.
async fn retries_replay_and_a_second_task_is_refused(
    op: &Client,
    request: types::CreateProvisioningTask,
    created: &types::ProvisioningTaskCreated,
) {
    let replay = op
        .create_provisioning_task()
        .idempotency_key("task-1")
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.into_inner().number, created.number);
    let reused = problem_of(
        op.create_provisioning_task()
            .idempotency_key("task-1")
            .body(task_request(&["alice"], None))
            .send()
            .await,
    );
    assert_eq!(reused.code, types::ErrorCode::IdempotencyKeyReused);
    let again = op
        .create_provisioning_task()
        .body(task_request(&["bob"], None))
        .send()
        .await;
    let problem = problem_of(again);
    assert_eq!(
        (problem.status, problem.code.to_string().as_str()),
        (409, "entry_exists")
    );
    assert!(
        problem.detail.contains(&format!(
            "bob (has an outstanding entry in task {})",
            created.number
        )),
        "{}",
        problem.detail
    );
}

/// Each user got an email with a link; Alice enrolls a working token. Returns the problem
/// answered when she uses her link a second time.
async fn alice_enrolls_a_working_token(
    server: &TestServer,
    op: &Client,
    app: &Client,
) -> types::Problem {
    let alice_email = server.smtp.nth_to("alice@example.com", 0).await;
    assert_eq!(alice_email.subject(), "Set up your software token");
    let alice_secret = link_secret(&alice_email.text());
    let token = app
        .start_self_enrollment()
        .body(types::StartSelfEnrollment {
            secret: alice_secret.clone(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        token
            .otpauth_uri
            .starts_with("otpauth://totp/Enrolld:alice?secret=")
    );
    assert!(
        token
            .otpauth_uri
            .contains("algorithm=SHA1&digits=6&period=30")
    );
    assert!(token.qr_svg.contains("<svg"));
    let code = totp(&token.otpauth_uri, server.clock.now().timestamp());
    let done = app
        .complete_self_enrollment()
        .body(types::CompleteSelfEnrollment {
            secret: alice_secret.clone(),
            otp: code.clone(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.serial, token.serial);
    let enrollments = op
        .list_enrollments()
        .user("alice")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (
            enrollments.items[0].service.as_str(),
            enrollments.items[0].address.as_str()
        ),
        ("software-token", token.serial.as_str())
    );
    problem_of(
        app.complete_self_enrollment()
            .body(types::CompleteSelfEnrollment {
                secret: alice_secret,
                otp: code,
            })
            .send()
            .await,
    )
}

/// Bob guesses wrong until the entry locks; a locked link answers like any dead link.
/// Returns the problems answered to a wrong and then a right code once locked.
async fn bob_guesses_wrong_until_the_entry_locks(
    server: &TestServer,
    app: &Client,
) -> (types::Problem, types::Problem) {
    let bob_secret = link_secret(&server.smtp.nth_to("bob@example.com", 0).await.text());
    let bob_token = app
        .start_self_enrollment()
        .body(types::StartSelfEnrollment {
            secret: bob_secret.clone(),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let right = totp(&bob_token.otpauth_uri, server.clock.now().timestamp());
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for left in (1..5).rev() {
        let problem = problem_of(
            app.complete_self_enrollment()
                .body(types::CompleteSelfEnrollment {
                    secret: bob_secret.clone(),
                    otp: wrong.into(),
                })
                .send()
                .await,
        );
        assert_eq!(problem.code, types::ErrorCode::InvalidOtp);
        assert!(problem.detail.contains(&format!("{left} attempts left")));
    }
    let locked = problem_of(
        app.complete_self_enrollment()
            .body(types::CompleteSelfEnrollment {
                secret: bob_secret.clone(),
                otp: wrong.into(),
            })
            .send()
            .await,
    );
    let locked_right = problem_of(
        app.complete_self_enrollment()
            .body(types::CompleteSelfEnrollment {
                secret: bob_secret,
                otp: right,
            })
            .send()
            .await,
    );
    (locked, locked_right)
}

/// Carol: resent to an alternate address (used once, never stored; it needs
/// provisioning:manage, and her directory address is told). Returns the secret of the new link.
async fn carol_is_resent_to_an_alternate_address(
    server: &TestServer,
    op: &Client,
    number: i64,
) -> String {
    let to_private = || types::ResendProvisioning {
        users: Some(vec!["carol".into()]),
        email: Some("carol.private@example.org".into()),
    };
    let writer = server.client_with("writer", &[Scope::ProvisioningWrite]);
    let refused = writer
        .resend_provisioning_task()
        .number(number)
        .body(to_private())
        .send()
        .await;
    assert_forbidden(&problem_of(refused), "provisioning:manage");
    let resent = op
        .resend_provisioning_task()
        .number(number)
        .body(to_private())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resent.changed, 1);
    assert_eq!(resent.task.emailed_to.as_deref(), Some("c***@example.org"));
    let alternate = server.smtp.nth_to("carol.private@example.org", 0).await;
    let carol_secret = link_secret(&alternate.text());
    let told = server.smtp.nth_to("carol@example.com", 1).await;
    assert_eq!(
        told.subject(),
        "Your software token link was sent to another address"
    );
    assert!(told.text().contains("c***@example.org"), "{}", told.text());
    assert!(!told.text().contains("carol.private"));
    let detail = op
        .get_provisioning_task()
        .number(number)
        .send()
        .await
        .unwrap()
        .into_inner();
    let carol_entry = detail
        .entries
        .iter()
        .find(|e| e.username == "carol")
        .unwrap();
    assert_eq!(
        carol_entry.provisioned_to.as_deref(),
        Some("c***@example.org")
    );
    wait_until_sent(&server.admin()).await;
    assert!(
        !crate::delivery::database_text(server).contains("carol.private"),
        "the alternate address was stored"
    );
    carol_secret
}

/// Carol is removed with a notice (Alice's completed entry cannot be canceled). Returns the
/// problem answered to Carol's canceled link.
async fn removing_carol_cancels_her_link(
    server: &TestServer,
    op: &Client,
    app: &Client,
    number: i64,
    carol_secret: String,
) -> types::Problem {
    let removed = op
        .remove_provisioning_task_users()
        .number(number)
        .body(types::RemoveTaskUsers {
            users: vec!["carol".into(), "alice".into()],
            notify: Some(true),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    let outcome: Vec<String> = removed
        .results
        .iter()
        .map(|r| r.status.to_string())
        .collect();
    assert_eq!(
        outcome,
        ["canceled", "error"],
        "a completed entry cannot be canceled"
    );
    assert_eq!(
        server.smtp.nth_to("carol@example.com", 2).await.subject(),
        "Your software token enrollment was canceled"
    );
    problem_of(
        app.start_self_enrollment()
            .body(types::StartSelfEnrollment {
                secret: carol_secret,
            })
            .send()
            .await,
    )
}

/// A used, locked or canceled link answers the same 422 as the locked one.
fn every_dead_link_answers_alike(problems: &[&types::Problem], locked: &types::Problem) {
    for problem in problems {
        assert_eq!(
            (
                problem.status,
                problem.code.to_string().as_str(),
                problem.detail.as_str()
            ),
            (422, "invalid_self_enrollment_link", locked.detail.as_str())
        );
    }
}

/// Every entry is terminal: the task is completed, hidden by default, still in the report.
async fn the_completed_task_is_hidden_but_reported(server: &TestServer, op: &Client, number: i64) {
    let detail = op
        .get_provisioning_task()
        .number(number)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(detail.status, types::TaskStatus::Completed);
    assert_eq!(
        (
            detail.counts.completed,
            detail.counts.locked,
            detail.counts.canceled,
            detail.counts.active
        ),
        (1, 1, 1, 0)
    );
    let open = op
        .list_provisioning_tasks()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(open.items.iter().all(|t| t.number != number));
    let all = op
        .list_provisioning_tasks()
        .include_completed(true)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(all.items.iter().any(|t| t.number == number));
    the_report_has_a_line_per_entry(server).await;
}

/// The CSV report has a header and one line per entry, with its final status.
async fn the_report_has_a_line_per_entry(server: &TestServer) {
    let report = server
        .http()
        .get(server.url("/v1/reports/provisioning-tasks"))
        .bearer_auth(server.token("reader", &[Scope::ProvisioningRead]))
        .send()
        .await
        .unwrap();
    assert!(
        report.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = report.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("task_number,"));
    assert_eq!(lines.len(), 4);
    for (name, status) in [
        ("alice", "completed"),
        ("bob", "locked"),
        ("carol", "canceled"),
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(&format!(",{name},")) && l.contains(&format!(",{status},"))),
            "{name} {status}\n{csv}"
        );
    }
}

/// The creation is audited once for the task and once per user.
async fn the_task_and_each_user_are_audited(server: &TestServer) {
    let audit = server
        .admin()
        .list_audit_events()
        .action("create_provisioning_task")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(audit.items.len(), 4, "one for the task and one per user");
}

async fn wait_until_sent(client: &Client) {
    for _ in 0..200 {
        let pending = client
            .list_notifications()
            .status(types::NotificationStatus::Pending)
            .send()
            .await
            .unwrap()
            .into_inner();
        if pending.items.is_empty() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("notifications still pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_edits_and_removal() {
    let server = TestServer::start().await;
    let op = operator(&server);
    create_users(&op, &["erin", "frank"]).await;
    server.clock.set(server.clock.now());
    let today = server.clock.now().date_naive();
    let task = op
        .create_provisioning_task()
        .body(task_request(&["erin", "frank"], Some(today)))
        .send()
        .await
        .unwrap()
        .into_inner();
    let erin_secret = link_secret(&server.smtp.nth_to("erin@example.com", 0).await.text());
    let frank_secret = link_secret(&server.smtp.nth_to("frank@example.com", 0).await.text());
    a_past_stop_date_is_refused_and_a_later_one_extends(&op, task.number, today).await;
    the_user_view_links_the_task_only_for_managers(&server, &op, task.number).await;
    entries_expire_and_the_sweep_records_it(&server, &op, task.number, erin_secret).await;
    a_removed_task_stops_its_links(&server, &op, frank_secret).await;
    the_policy_is_bounds_checked_and_used(&server, &op).await;
}

/// A stop date in the past is refused; a later one extends the active entries.
async fn a_past_stop_date_is_refused_and_a_later_one_extends(
    op: &Client,
    number: i64,
    today: chrono::NaiveDate,
) {
    let problem = problem_of(
        op.update_provisioning_task()
            .number(number)
            .body(types::UpdateProvisioningTask {
                stop_date: today - Duration::days(1),
            })
            .send()
            .await,
    );
    assert_eq!(problem.errors[0].field, "stop_date");
    let extended = op
        .update_provisioning_task()
        .number(number)
        .body(types::UpdateProvisioningTask {
            stop_date: today + Duration::days(2),
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(extended.stop_date, today + Duration::days(2));
}

/// The user view, with task_href only for provisioning:manage.
async fn the_user_view_links_the_task_only_for_managers(
    server: &TestServer,
    op: &Client,
    number: i64,
) {
    let view = op
        .list_user_provisioning_tasks()
        .user("erin")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        view.items[0].task_href.as_deref(),
        Some(format!("/v1/provisioning-tasks/{number}").as_str())
    );
    let reader = server.client_with("reader", &[Scope::ProvisioningRead]);
    let view = reader
        .list_user_provisioning_tasks()
        .user("erin")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (view.items.len(), view.items[0].task_href.clone()),
        (1, None)
    );
}

/// Three days on, the entries show expired at once; the sweep then records and audits it.
async fn entries_expire_and_the_sweep_records_it(
    server: &TestServer,
    op: &Client,
    number: i64,
    erin_secret: String,
) {
    server.clock.advance(Duration::days(3));
    let detail = op
        .get_provisioning_task()
        .number(number)
        .status(types::EntryStatus::Expired)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(detail.entries.len(), 2);
    assert_eq!(detail.status, types::TaskStatus::Completed);
    let problem = problem_of(
        self_enrollment(server)
            .start_self_enrollment()
            .body(types::StartSelfEnrollment {
                secret: erin_secret,
            })
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::InvalidSelfEnrollmentLink);
    assert_eq!(server.sweep_once().await, 2);
    assert_eq!(server.sweep_once().await, 0);
    let swept = server
        .admin()
        .list_audit_events()
        .action("expire_task_entry")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(swept.items.len(), 2);
    assert_eq!(swept.items[0].actor.type_, "system");
}

/// A new task for Frank, then the task is removed: his link stops working.
async fn a_removed_task_stops_its_links(server: &TestServer, op: &Client, frank_secret: String) {
    let task = op
        .create_provisioning_task()
        .body(task_request(&["frank"], None))
        .send()
        .await
        .unwrap()
        .into_inner();
    let frank_secret_2 = link_secret(&server.smtp.nth_to("frank@example.com", 1).await.text());
    assert_ne!(frank_secret, frank_secret_2);
    op.delete_provisioning_task()
        .number(task.number)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_of(
            op.delete_provisioning_task()
                .number(task.number)
                .send()
                .await
        ),
        409
    );
    let problem = problem_of(
        self_enrollment(server)
            .start_self_enrollment()
            .body(types::StartSelfEnrollment {
                secret: frank_secret_2,
            })
            .send()
            .await,
    );
    assert_eq!(problem.code, types::ErrorCode::InvalidSelfEnrollmentLink);
    let removed = op
        .get_provisioning_task()
        .number(task.number)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(removed.removed_at.is_some());
    assert_eq!(removed.counts.canceled, 1);
    assert_eq!(
        status_of(op.get_provisioning_task().number(999).send().await),
        404
    );
}

/// The policy is bounds-checked and used for new tasks.
async fn the_policy_is_bounds_checked_and_used(server: &TestServer, op: &Client) {
    let admin = server.admin();
    // The SDK cannot send 0 (the document says minimum 1): the server refuses it all the same.
    let bad = server
        .http()
        .put(server.url("/v1/settings/self-enrollment-policy"))
        .bearer_auth(server.token("admin", Scope::ALL))
        .json(&serde_json::json!({"validity_days": 0, "max_attempts": 50}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let bad: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(bad["errors"].as_array().unwrap().len(), 2);
    admin
        .update_self_enrollment_policy()
        .body(types::SelfEnrollmentPolicy {
            validity_days: 3.try_into().unwrap(),
            max_attempts: 2.try_into().unwrap(),
        })
        .send()
        .await
        .unwrap();
    create_users(op, &["gina"]).await;
    let task = op
        .create_provisioning_task()
        .body(task_request(&["gina"], None))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        task.stop_date,
        server.clock.now().date_naive() + Duration::days(3)
    );
}

/// Terminal states never change: every transition out of them is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entry_transition_table() {
    let server = TestServer::start().await;
    let op = operator(&server);
    let names = ["u-completed", "u-locked", "u-expired", "u-canceled"];
    create_users(&op, &names).await;
    let task = op
        .create_provisioning_task()
        .body(task_request(&names, None))
        .send()
        .await
        .unwrap()
        .into_inner();
    let detail = op
        .get_provisioning_task()
        .number(task.number)
        .send()
        .await
        .unwrap()
        .into_inner();
    let mut conn = server.database();
    let now = server.clock.now().naive_utc();
    use enrolld::states::EntryStatus;
    let terminal = &EntryStatus::ALL[1..];
    for (entry, &state) in detail.entries.iter().zip(terminal) {
        assert_eq!(entry.status, types::EntryStatus::Active);
        assert_eq!(
            enrolld::db::task_entries::finish(&mut conn, &entry.id, state, now).unwrap(),
            1,
            "active → {state}"
        );
    }
    for entry in &detail.entries {
        for &target in EntryStatus::ALL {
            assert_eq!(
                enrolld::db::task_entries::finish(&mut conn, &entry.id, target, now).unwrap(),
                0,
                "{} → {target}",
                entry.username
            );
        }
        assert_eq!(
            enrolld::db::task_entries::count_attempt(
                &mut conn,
                &entry.id,
                server.clock.now().date_naive()
            )
            .unwrap(),
            0
        );
    }
    let after = op
        .get_provisioning_task()
        .number(task.number)
        .send()
        .await
        .unwrap()
        .into_inner();
    let states: Vec<types::EntryStatus> = after.entries.iter().map(|e| e.status).collect();
    assert_eq!(
        states,
        [
            types::EntryStatus::Completed,
            types::EntryStatus::Locked,
            types::EntryStatus::Expired,
            types::EntryStatus::Canceled
        ]
    );
    let resent = op
        .resend_provisioning_task()
        .number(task.number)
        .body(types::ResendProvisioning {
            users: None,
            email: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resent.changed, 0, "only active entries are resent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_users_in_one_task() {
    let server = TestServer::start().await;
    let op = operator(&server);
    let users: Vec<types::CreateUser> = (0..10_000)
        .map(|i| {
            let mut user = new_user(&format!("p{i:05}"));
            user.email = Some(format!("p{i:05}@example.com"));
            user
        })
        .collect();
    op.import_users()
        .body(types::ImportUsers { users })
        .send()
        .await
        .unwrap();
    let names: Vec<String> = (0..10_000).map(|i| format!("p{i:05}")).collect();
    let request = types::CreateProvisioningTask {
        users: names,
        token_type: types::TokenType::SoftwareTotp,
        stop_date: None,
        email: None,
    };
    let dry = op
        .create_provisioning_task()
        .dry_run(true)
        .body(request.clone())
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(dry.dry_run && dry.count == 10_000);
    assert!(
        op.list_provisioning_tasks()
            .send()
            .await
            .unwrap()
            .into_inner()
            .items
            .is_empty(),
        "a dry run stores nothing"
    );
    let task = op
        .create_provisioning_task()
        .body(request)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!((task.count, task.counts.active), (10_000, 10_000));
    let page = op
        .get_provisioning_task()
        .number(task.number)
        .limit(500)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.entries.len(), 500);
    assert!(page.next_cursor.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_that_is_not_visible_ascii_is_named_in_a_422() {
    let server = TestServer::start().await;
    create_users(&server.admin(), &["alice"]).await;
    for key in [&b"caf\xc3\xa9"[..], b"two words", b""] {
        let response = server
            .http()
            .post(server.url("/v1/provisioning-tasks"))
            .bearer_auth(server.token("admin", Scope::ALL))
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes(key).unwrap(),
            )
            .json(&serde_json::json!({"users": ["alice"], "token_type": "software-totp"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 422, "{key:?}");
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            problem["errors"][0]["field"], "Idempotency-Key",
            "{problem}"
        );
    }
    assert_eq!(server.count_rows("provisioning_tasks"), 0);
}
