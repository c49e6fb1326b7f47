use enrolld::auth::scopes::Scope;
use enrolld_tests::{TestServer, status_of, types};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_says_what_is_configured_and_settings_change() {
    let server = TestServer::start_with(|c| {
        c.smtp_url = None;
        c.sms_gateway_url = None;
    })
    .await;
    let client = server.admin();
    let list = client
        .list_identity_services()
        .send()
        .await
        .unwrap()
        .into_inner();
    let ids: Vec<&str> = list.items.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mobile-app",
            "mobile-code",
            "personal-email",
            "software-token"
        ]
    );
    let email = list
        .items
        .iter()
        .find(|s| s.id == "personal-email")
        .unwrap();
    assert!(!email.configured);
    assert!(
        email
            .not_configured_reason
            .as_deref()
            .unwrap()
            .contains("SMTP")
    );
    let sms = list.items.iter().find(|s| s.id == "mobile-code").unwrap();
    assert!(
        sms.not_configured_reason
            .as_deref()
            .unwrap()
            .contains("SMS gateway")
    );
    assert!(
        list.items
            .iter()
            .find(|s| s.id == "software-token")
            .unwrap()
            .configured
    );

    let configured = TestServer::start_with(|c| {
        c.smtp_url = Some("smtp://127.0.0.1:2525".into());
        c.sms_gateway_url = Some("http://127.0.0.1:9/sms".into());
    })
    .await;
    let list = configured
        .admin()
        .list_identity_services()
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(
        list.items
            .iter()
            .all(|s| s.configured && s.not_configured_reason.is_none())
    );

    let change = types::UpdateIdentityService {
        agent_can_enroll: Some(false),
        enabled: None,
        removable: None,
    };
    let agent = server.client_with("agent", &[Scope::EnrollmentsRead]);
    assert_eq!(
        status_of(
            agent
                .update_identity_service()
                .service("personal-email")
                .body(change.clone())
                .send()
                .await
        ),
        403
    );
    let changed = client
        .update_identity_service()
        .service("personal-email")
        .body(change)
        .send()
        .await
        .unwrap()
        .into_inner();
    assert!(!changed.agent_can_enroll);
    assert_eq!(changed.updated_by.as_deref(), Some("admin"));
    let events = client
        .list_audit_events()
        .action("update_identity_service")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(events.items.len(), 1);
}
