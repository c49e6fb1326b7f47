//! Enrollment flows and petitions against a real OpenLDAP `slapd` and a pilot file: self-signup
//! and invitations, email confirmation by code or link, each source mode, the family-name check,
//! approval and denial, duplicates, expiry, finalizing into a directory user with a follow-up, and
//! refreshing the linked identities; through the generated client.

use chrono::{Duration, Utc};
use enrolld::clock::Clock;
use enrolld_tests::directories::{PEOPLE_DN, READER_DN, READER_PASSWORD, Slapd};
use enrolld_tests::petitions::{
    confirm, create_flow, emailed_code, emailed_secret, flow, invite, outbox_settled, petition,
};
use enrolld_tests::sinks::free_port;
use enrolld_tests::{TestServer, new_user, problem_of, types};
use serde_json::{Value, json};

use types::PetitionStatus as S;

const ANNA: &str = "anna.muller@example.org";

/// `slapd` with the test people, and a source `hr` reading it.
async fn directory(server: &TestServer) -> Slapd {
    let slapd = Slapd::start(None);
    server.source_file("ldap.password", &format!("{READER_PASSWORD}\n"));
    let body = json!({"name": "hr", "kind": "ldap", "timeout_seconds": 5, "ldap": {
        "url": slapd.url, "plaintext": true, "bind_dn": READER_DN,
        "bind_password": {"file": "ldap.password"}, "base_dn": PEOPLE_DN}});
    let body: types::CreateIdentitySource = serde_json::from_value(body).unwrap();
    server
        .admin()
        .create_identity_source()
        .body(body)
        .send()
        .await
        .unwrap();
    slapd
}

/// One petition with its history and identities.
async fn petition_of(server: &TestServer, id: &str) -> types::Petition {
    server
        .admin()
        .get_petition()
        .id(id)
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// The identities linked to a user.
async fn identities(server: &TestServer, user: &str) -> types::OrgIdentityList {
    let answer = server
        .admin()
        .list_user_identities()
        .user(user)
        .send()
        .await;
    answer.unwrap().into_inner()
}

/// Refreshes a user's identities.
async fn refresh(server: &TestServer, user: &str) -> types::IdentityRefreshReport {
    let answer = server
        .admin()
        .refresh_user_identities()
        .user(user)
        .send()
        .await;
    answer.unwrap().into_inner()
}

/// The events of a petition's history, in order.
fn events(petition: &types::Petition) -> Vec<String> {
    petition.history.iter().map(|e| e.event.clone()).collect()
}

/// The newest petition (the public steps answer without ids).
async fn newest(server: &TestServer) -> types::Petition {
    let page = server
        .admin()
        .list_petitions()
        .send()
        .await
        .unwrap()
        .into_inner();
    petition_of(server, &page.items[0].id).await
}

fn start_body(email: &str, given: &str, family: &str) -> types::StartJoin {
    types::StartJoin {
        email: email.into(),
        given_name: given.into(),
        family_name: family.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signup_confirmed_by_code_is_searched_and_finalized_into_a_user_with_a_session() {
    let server = TestServer::start().await;
    let _slapd = directory(&server).await;
    let created = create_flow(
        &server,
        json!({"name": "guests", "authorization": "self_signup", "follow_up": "registration_session",
            "sources": [{"source": "hr", "mode": "search", "verify_family_name": true}]}),
    )
    .await;
    assert!(created.join_url.unwrap().ends_with("/join/guests"));

    let started = server
        .admin()
        .start_join()
        .flow("guests")
        .body(start_body(ANNA, "Anna", "MÜLLER"))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status().as_u16(), 202);
    let secret = started
        .into_inner()
        .secret
        .expect("code mode hands the page a secret");
    let code = emailed_code(&server, ANNA, 0).await;
    let wrong = problem_of(confirm(&server, &secret, Some("000000")).await);
    assert_eq!(wrong.code, types::ErrorCode::InvalidCode);

    let view = confirm(&server, &secret, Some(&code)).await.unwrap();
    assert_eq!(view.status, S::Finalized, "{}", view.message);
    let anna = newest(&server).await;
    assert_eq!(
        events(&anna),
        [
            "notification_sent",
            "email_confirmed",
            "source_queried",
            "identity_linked",
            "approved",
            "finalized",
            "notification_sent"
        ]
    );
    assert_eq!(anna.identities.len(), 1);
    assert!(
        !anna.identities[0].enrollee,
        "search links, it does not make the enrollee identity"
    );
    let user = anna.user_id.clone().unwrap();
    let linked = identities(&server, &user).await;
    assert_eq!(linked.items[0].family_name.as_deref(), Some("Müller"));
    let session = server
        .admin()
        .get_current_registration_session()
        .user(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(session.user_id, user);
    let registration = server.smtp.nth_to(ANNA, 1).await;
    let decided = server.smtp.nth_to(ANNA, 2).await;
    let subjects = [registration.subject(), decided.subject()];
    assert!(
        subjects.iter().any(|s| s.contains("mobile app")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("approved")),
        "{subjects:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_required_denies_when_the_family_name_differs_and_links_when_it_matches() {
    let server = TestServer::start().await;
    let _slapd = directory(&server).await;
    create_flow(
        &server,
        json!({"name": "staff", "authorization": "invitation", "email_verification": "link",
            "approval_required": true,
            "sources": [{"source": "hr", "mode": "search_required", "verify_family_name": true}]}),
    )
    .await;
    let meier = invite(
        &server,
        "staff",
        ANNA,
        json!({"given_name": "Anna", "family_name": "Meier"}),
    )
    .await;
    let secret = emailed_secret(&server, ANNA, 0).await;
    let view = confirm(&server, &secret, None).await.unwrap();
    assert_eq!(view.status, S::Denied);
    let denied = petition_of(&server, &meier.id).await;
    assert!(events(&denied).contains(&"eligibility_failed".to_owned()));
    assert_eq!(denied.decided_by.as_deref(), Some("system"));
    assert!(denied.identities.is_empty());
    assert!(
        server
            .smtp
            .nth_to(ANNA, 1)
            .await
            .subject()
            .contains("denied")
    );

    let mueller = invite(
        &server,
        "staff",
        ANNA,
        json!({"given_name": "Anna", "family_name": "mu\u{308}ller"}),
    )
    .await;
    let secret = emailed_secret(&server, ANNA, 2).await;
    let view = confirm(&server, &secret, None).await.unwrap();
    assert_eq!(view.status, S::PendingApproval, "{}", view.message);
    assert_eq!(petition_of(&server, &mueller.id).await.identities.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_must_match_and_a_none_source_is_never_asked() {
    let server = TestServer::start().await;
    let _slapd = directory(&server).await;
    let closed = json!({"name": "switched-off", "kind": "ldap", "ldap": {
        "url": format!("ldap://127.0.0.1:{}", free_port()), "plaintext": true, "base_dn": PEOPLE_DN}});
    let closed: types::CreateIdentitySource = serde_json::from_value(closed).unwrap();
    server
        .admin()
        .create_identity_source()
        .body(closed)
        .send()
        .await
        .unwrap();
    create_flow(
        &server,
        json!({"name": "claims", "authorization": "invitation", "email_verification": "link",
            "approval_required": true,
            "sources": [{"source": "hr", "mode": "claim"}, {"source": "switched-off", "mode": "none"}]}),
    )
    .await;
    let nobody = invite(
        &server,
        "claims",
        "nobody@example.org",
        json!({"given_name": "No", "family_name": "Body"}),
    )
    .await;
    let secret = emailed_secret(&server, "nobody@example.org", 0).await;
    assert_eq!(
        confirm(&server, &secret, None).await.unwrap().status,
        S::Failed
    );
    assert!(events(&petition_of(&server, &nobody.id).await).contains(&"eligibility_failed".into()));

    let bob = invite(
        &server,
        "claims",
        "bob@example.org",
        json!({"given_name": "Bob", "family_name": "Builder"}),
    )
    .await;
    let secret = emailed_secret(&server, "bob@example.org", 0).await;
    assert_eq!(
        confirm(&server, &secret, None).await.unwrap().status,
        S::PendingApproval
    );
    let bob = petition_of(&server, &bob.id).await;
    let asked: Vec<&Value> = bob
        .history
        .iter()
        .filter(|e| e.event == "source_queried")
        .filter_map(|e| e.detail.as_ref())
        .collect();
    assert_eq!(asked.len(), 1, "only the claim source is asked: {asked:?}");
    assert_eq!(asked[0]["source"], "hr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_is_refused_outside_administrator_flows_and_picks_an_unlinked_record_in_them() {
    let server = TestServer::start().await;
    let _slapd = directory(&server).await;
    let selecting = |authorization: &str| {
        flow(
            json!({"name": format!("pick-{authorization}"), "authorization": authorization,
            "sources": [{"source": "hr", "mode": "select"}]}),
        )
    };
    let refused = problem_of(
        server
            .admin()
            .create_enrollment_flow()
            .body(selecting("self_signup"))
            .send()
            .await,
    );
    assert_eq!(refused.errors[0].field, "sources[0].mode");
    server
        .admin()
        .create_enrollment_flow()
        .body(selecting("administrator"))
        .send()
        .await
        .unwrap();

    let found = server
        .admin()
        .test_identity_source()
        .source("hr")
        .body(types::TestIdentitySource::builder().email("bob@example.org".to_owned()))
        .send()
        .await
        .unwrap();
    let key = found.records[0].source_key.clone();
    let pick = json!({"select": [{"source": "hr", "key": key}]});
    let started = server
        .admin()
        .create_petition()
        .flow("pick-administrator")
        .body(petition("bob.builder@example.net", pick.clone()))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        started.given_name.as_deref(),
        Some("Bob"),
        "names come from the record"
    );
    assert!(started.identities[0].enrollee);
    let again = problem_of(
        server
            .admin()
            .create_petition()
            .flow("pick-administrator")
            .body(petition("someone@example.net", pick))
            .send()
            .await,
    );
    assert_eq!(again.code, types::ErrorCode::RecordLinked);

    let code = emailed_code(&server, "bob.builder@example.net", 0).await;
    let body = types::ConfirmPetition { code };
    let done = server
        .admin()
        .confirm_petition()
        .id(&started.id)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status, S::Finalized);
    let user = done.user_id.clone().unwrap();
    let linked = identities(&server, &user).await;
    assert_eq!(linked.items[0].source_key, key);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvers_decide_once_and_the_petitioner_hears_by_email() {
    let server = TestServer::start().await;
    create_flow(
        &server,
        json!({"name": "staff", "authorization": "invitation", "email_verification": "link",
            "approval_required": true}),
    )
    .await;
    let mut ids = Vec::new();
    for (i, email) in ["ann@example.org", "ben@example.org"].iter().enumerate() {
        let p = invite(
            &server,
            "staff",
            email,
            json!({"given_name": "Pat", "family_name": format!("Doe{i}")}),
        )
        .await;
        let secret = emailed_secret(&server, email, 0).await;
        confirm(&server, &secret, None).await.unwrap();
        ids.push(p.id);
    }
    let queue = server
        .admin()
        .list_petitions()
        .status(types::PetitionStatus::PendingApproval)
        .send()
        .await
        .unwrap();
    assert_eq!(queue.items.len(), 2);

    let decide = |comment: &str| types::DecidePetition {
        comment: Some(comment.into()),
    };
    let approver = server.client_with("approver", &[enrolld_tests::Scope::PetitionsApprove]);
    let approved = approver
        .approve_petition()
        .id(&ids[0])
        .body(decide("Welcome"))
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status, S::Finalized);
    assert_eq!(approved.decided_by.as_deref(), Some("approver"));
    let user = server
        .admin()
        .get_user()
        .user(approved.user_id.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(user.email.as_deref(), Some("ann@example.org"));
    let twice = problem_of(
        approver
            .approve_petition()
            .id(&ids[0])
            .body(decide("again"))
            .send()
            .await,
    );
    assert_eq!(
        (twice.status, twice.code),
        (409, types::ErrorCode::PetitionDecided)
    );

    let denied = approver
        .deny_petition()
        .id(&ids[1])
        .body(decide("Not this term"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status, S::Denied);
    let late = problem_of(
        approver
            .approve_petition()
            .id(&ids[1])
            .body(decide("oops"))
            .send()
            .await,
    );
    assert_eq!(late.status, 409);
    let told = server.smtp.nth_to("ben@example.org", 1).await;
    assert!(told.subject().contains("denied") && told.text().contains("Not this term"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_used_and_declined_links_answer_alike() {
    let server = TestServer::start_on(Clock::fixed(Utc::now()), |_| {}).await;
    create_flow(
        &server,
        json!({"name": "staff", "authorization": "invitation", "email_verification": "link",
            "approval_required": true, "invitation_validity_hours": 1}),
    )
    .await;
    let mut secrets = Vec::new();
    for email in [
        "used@example.org",
        "declined@example.org",
        "late@example.org",
    ] {
        invite(
            &server,
            "staff",
            email,
            json!({"given_name": "A", "family_name": "B"}),
        )
        .await;
        secrets.push(emailed_secret(&server, email, 0).await);
    }
    let admin = server.admin();
    let view = |secret: &str| {
        let body = types::JoinSecret {
            secret: secret.to_owned(),
        };
        admin.view_join().body(body).send()
    };
    assert_eq!(view(&secrets[2]).await.unwrap().email, "l***@example.org");
    confirm(&server, &secrets[0], None).await.unwrap();
    let body = types::JoinSecret {
        secret: secrets[1].clone(),
    };
    let declined = server
        .admin()
        .decline_join()
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status, S::Declined);
    server.clock.advance(Duration::hours(2));
    let mut answers = Vec::new();
    for secret in &secrets {
        let mut problem = serde_json::to_value(problem_of(view(secret).await)).unwrap();
        problem.as_object_mut().unwrap().remove("instance");
        answers.push(problem);
    }
    assert_eq!(answers[0]["code"], "invalid_join_link");
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    let late = newest(&server).await;
    assert!(events(&late).contains(&"invite_viewed".to_owned()));
    let ended = enrolld::service::petitions::sweep::run_once(&server.state).await;
    assert_eq!(
        ended.unwrap(),
        1,
        "only the lapsed, unconfirmed petition ends"
    );
    let late = petition_of(&server, &late.id).await;
    assert_eq!(late.status, S::Failed);
    assert_eq!(events(&late).last().map(String::as_str), Some("failed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_is_marked_or_linked_as_the_flow_says() {
    let server = TestServer::start().await;
    let mut bob = new_user("bob");
    bob.email = Some("bob@example.org".into());
    let bob = server
        .admin()
        .create_user()
        .body(bob)
        .send()
        .await
        .unwrap()
        .into_inner();
    for (name, policy) in [("marks", "mark_duplicate"), ("links", "link")] {
        create_flow(
            &server,
            json!({"name": name, "authorization": "invitation", "email_verification": "link",
                "on_duplicate": policy}),
        )
        .await;
    }
    let names = json!({"given_name": "Bob", "family_name": "Builder"});
    invite(&server, "marks", "BOB@example.org", names.clone()).await;
    let secret = emailed_secret(&server, "BOB@example.org", 0).await;
    assert_eq!(
        confirm(&server, &secret, None).await.unwrap().status,
        S::Duplicate
    );

    let linked = invite(&server, "links", "bob@example.org", names).await;
    let secret = emailed_secret(&server, "bob@example.org", 0).await;
    assert_eq!(
        confirm(&server, &secret, None).await.unwrap().status,
        S::Finalized
    );
    let linked = petition_of(&server, &linked.id).await;
    assert_eq!(linked.user_id.as_deref(), Some(bob.id.as_str()));
    let users = server.admin().list_users().send().await.unwrap();
    assert_eq!(users.items.len(), 1, "no second user was made");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_reads_linked_records_again_and_a_source_in_use_cannot_be_deleted() {
    let server = TestServer::start().await;
    let csv =
        |family: &str| format!("id,given_name,family_name,email\n7,Ann,{family},ann@example.org\n");
    server.source_file("pilot.csv", &csv("Lee"));
    let source = json!({"name": "pilot", "kind": "file", "file": {"path": "pilot.csv"}});
    let source: types::CreateIdentitySource = serde_json::from_value(source).unwrap();
    server
        .admin()
        .create_identity_source()
        .body(source)
        .send()
        .await
        .unwrap();
    create_flow(
        &server,
        json!({"name": "pilots", "authorization": "invitation", "email_verification": "link",
            "sources": [{"source": "pilot", "mode": "search"}]}),
    )
    .await;
    let in_use = problem_of(
        server
            .admin()
            .delete_identity_source()
            .source("pilot")
            .send()
            .await,
    );
    assert_eq!(in_use.code, types::ErrorCode::SourceInUse);

    invite(
        &server,
        "pilots",
        "ann@example.org",
        json!({"given_name": "Ann", "family_name": "Lee"}),
    )
    .await;
    let secret = emailed_secret(&server, "ann@example.org", 0).await;
    assert_eq!(
        confirm(&server, &secret, None).await.unwrap().status,
        S::Finalized
    );
    let user = newest(&server).await.user_id.unwrap();
    server.source_file("pilot.csv", &csv("Lee-Park"));
    let report = refresh(&server, &user).await;
    assert_eq!(report.items[0].outcome, "updated");
    assert_eq!(report.items[0].changed, ["family_name"]);
    let linked = identities(&server, &user).await;
    assert_eq!(linked.items[0].family_name.as_deref(), Some("Lee-Park"));
    let again = refresh(&server, &user).await;
    assert_eq!(again.items[0].outcome, "unchanged");
    outbox_settled(&server).await;
}

/// The DOM of a page of this server after its script ran, in headless Chromium.
async fn rendered(server: &TestServer, path: &str) -> String {
    let url = server.url(path);
    tokio::task::spawn_blocking(move || enrolld_tests::browser::dump_dom(&url))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_join_pages_render_in_headless_chromium() {
    let server = TestServer::start().await;
    create_flow(
        &server,
        json!({"name": "staff", "authorization": "invitation"}),
    )
    .await;
    create_flow(
        &server,
        json!({"name": "guests", "authorization": "self_signup"}),
    )
    .await;
    let names = json!({"given_name": "Anna", "family_name": "Müller"});
    let anna = invite(&server, "staff", ANNA, names).await;
    let secret = emailed_secret(&server, ANNA, 0).await;

    let page = rendered(&server, &format!("/join#{secret}")).await;
    assert!(page.contains("Join: staff"), "{page}");
    assert!(page.contains("a***@example.org"), "{page}");
    assert!(
        page.contains(r#"<div id="code-row">"#),
        "the code is asked for: {page}"
    );
    assert!(
        page.contains(r#"<div id="names" hidden="">"#),
        "the names are known: {page}"
    );
    let viewed = petition_of(&server, &anna.id).await;
    let look = viewed.history.iter().find(|e| e.event == "invite_viewed");
    assert_eq!(look.map(|e| e.actor.type_.as_str()), Some("petitioner"));

    let signup = rendered(&server, "/join/guests").await;
    assert!(signup.contains("Join: guests"), "{signup}");
    assert!(signup.contains(r#"<form id="form">"#), "{signup}");
    let broken = rendered(&server, "/join#not-a-secret").await;
    assert!(broken.contains("This link is incomplete"), "{broken}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_wrong_codes_fail_the_petition_and_operators_confirm_only_administrator_flows() {
    let server = TestServer::start().await;
    create_flow(
        &server,
        json!({"name": "staff", "authorization": "invitation"}),
    )
    .await;
    let names = json!({"given_name": "Ann", "family_name": "Lee"});
    let ann = invite(&server, "staff", "ann@example.org", names).await;
    let secret = emailed_secret(&server, "ann@example.org", 0).await;
    let code = emailed_code(&server, "ann@example.org", 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let by_operator = server
        .admin()
        .confirm_petition()
        .id(&ann.id)
        .body(types::ConfirmPetition { code: code.clone() })
        .send()
        .await;
    let by_operator = problem_of(by_operator);
    assert_eq!(by_operator.status, 409, "the person confirms by the link");
    for left in (0..5).rev() {
        let problem = problem_of(confirm(&server, &secret, Some(wrong)).await);
        assert_eq!(problem.code, types::ErrorCode::InvalidCode);
        assert!(
            problem.detail.contains(&left.to_string()) || left == 0,
            "{}",
            problem.detail
        );
    }
    let after = problem_of(confirm(&server, &secret, Some(&code)).await);
    assert_eq!(after.code, types::ErrorCode::InvalidJoinLink);
    assert_eq!(petition_of(&server, &ann.id).await.status, S::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_automatic_finalize_leaves_the_petition_to_an_operator() {
    let server = TestServer::start().await;
    create_flow(
        &server,
        json!({"name": "guests", "authorization": "invitation", "email_verification": "link",
            "follow_up": "registration_session"}),
    )
    .await;
    let off = types::UpdateIdentityService {
        enabled: Some(false),
        agent_can_enroll: None,
        removable: None,
    };
    let admin = server.admin();
    admin
        .update_identity_service()
        .service("mobile-app")
        .body(off)
        .send()
        .await
        .unwrap();
    let names = json!({"given_name": "Ann", "family_name": "Lee"});
    let ann = invite(&server, "guests", "ann@example.org", names).await;
    let secret = emailed_secret(&server, "ann@example.org", 0).await;
    let view = confirm(&server, &secret, None).await.unwrap();
    assert_eq!(view.status, S::PendingApproval);
    assert!(
        !view.message.contains("mobile-app"),
        "no internals to the public: {}",
        view.message
    );
    let held = petition_of(&server, &ann.id).await;
    assert!(
        events(&held).contains(&"finalize_failed".to_owned()),
        "{:?}",
        events(&held)
    );

    let on = types::UpdateIdentityService {
        enabled: Some(true),
        agent_can_enroll: None,
        removable: None,
    };
    admin
        .update_identity_service()
        .service("mobile-app")
        .body(on)
        .send()
        .await
        .unwrap();
    let decision = types::DecidePetition { comment: None };
    let done = admin
        .approve_petition()
        .id(&ann.id)
        .body(decision)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status, S::Finalized);
}
