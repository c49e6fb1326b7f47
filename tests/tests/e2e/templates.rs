use enrolld::auth::scopes::Scope;
use enrolld_tests::sinks::code_in;
use enrolld_tests::{TestServer, problem_of, status_of, types};

use enrolld_tests::fixtures::{BOB_PHONE, create_bob};

fn sms_template(text: &str) -> types::UpdateNotificationTemplate {
    types::UpdateNotificationTemplate {
        subject: None,
        text: text.parse().unwrap(),
        html: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_checked_previewed_and_used() {
    let server = TestServer::start().await;
    let admin = server.admin();
    let list = admin
        .list_notification_templates()
        .send()
        .await
        .unwrap()
        .into_inner();
    for event in [
        "identity-verification-code",
        "enrollment-code",
        "enrollment-added",
        "enrollment-removed",
    ] {
        assert!(
            list.items.iter().any(|t| t.event == event),
            "no default for {event}"
        );
    }
    assert!(list.items.iter().all(|t| !t.customized));
    let sms = admin
        .get_notification_template()
        .service("mobile-code")
        .channel("sms")
        .event("identity-verification-code")
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sms.required_placeholders, ["Code"]);
    assert!(!sms.sms.unwrap().over_limit);

    let put = |text: &str| {
        admin
            .update_notification_template()
            .service("mobile-code")
            .channel("sms")
            .event("identity-verification-code")
            .body(sms_template(text))
            .send()
    };
    let problem = problem_of(put("Your code: {{Code}} {{Password}}").await);
    assert_eq!(problem.status, 422);
    assert!(
        problem.errors[0].message.contains("{{Password}}"),
        "{:?}",
        problem.errors
    );
    let problem = problem_of(put("No code in here").await);
    assert!(problem.errors[0].message.contains("{{Code}}"));
    let problem = problem_of(
        admin
            .update_notification_template()
            .service("mobile-code")
            .channel("sms")
            .event("identity-verification-code")
            .body(types::UpdateNotificationTemplate {
                subject: Some("x".parse().unwrap()),
                text: "{{Code}}".parse().unwrap(),
                html: None,
            })
            .send()
            .await,
    );
    assert_eq!(problem.errors[0].field, "subject");
    assert_eq!(
        status_of(
            admin
                .get_notification_template()
                .service("mobile-code")
                .channel("fax")
                .event("enrollment-code")
                .send()
                .await
        ),
        404
    );

    // Long SMS: flagged, in GSM-7 and in UCS-2.
    let long = put(&format!("{{{{Code}}}} {}", "x".repeat(160)))
        .await
        .unwrap()
        .into_inner();
    let analysis = long.sms.unwrap();
    assert!(analysis.over_limit && analysis.encoding == "GSM-7" && analysis.segments == 2);
    let cyrillic = put(&format!("Код {{{{Code}}}} {}", "д".repeat(60)))
        .await
        .unwrap()
        .into_inner();
    let analysis = cyrillic.sms.unwrap();
    assert_eq!(
        (analysis.encoding.as_str(), analysis.single_sms_limit),
        ("UCS-2", 70)
    );
    assert!(analysis.over_limit);

    // Preview a draft with sample data, then save it and see it used.
    let preview = admin
        .preview_notification_template()
        .service("mobile-code")
        .channel("sms")
        .event("identity-verification-code")
        .body(types::PreviewNotificationTemplate {
            subject: None,
            text: Some("Hi {{UserDisplayName}}, code {{Code}}".parse().unwrap()),
            html: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.text, "Hi Bob Example, code 123456");
    let saved = put("Hi {{UserDisplayName}}, your Enrolld code is {{Code}}")
        .await
        .unwrap()
        .into_inner();
    assert!(saved.customized);
    assert_eq!(saved.updated_by.as_deref(), Some("admin"));

    create_bob(&admin).await;
    admin
        .create_identity_verification()
        .user("bob")
        .body(types::StartIdentityVerification {
            channel: types::CodeChannel::Sms,
        })
        .send()
        .await
        .unwrap();
    let sms = server.sms.nth_to(BOB_PHONE, 0).await;
    assert!(
        sms.body
            .starts_with("Hi Bob Example, your Enrolld code is "),
        "{}",
        sms.body
    );
    code_in(&sms.body);

    // Email previews render HTML with the values escaped; the template API needs its scopes.
    let email = admin
        .preview_notification_template()
        .service("personal-email")
        .channel("email")
        .event("enrollment-added")
        .body(types::PreviewNotificationTemplate {
            subject: None,
            text: None,
            html: None,
        })
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        email.subject.as_deref(),
        Some("Personal Email was added to your account")
    );
    assert!(
        email
            .html
            .unwrap()
            .contains("<strong>Personal Email</strong>")
    );
    // Registration messages must carry the QR code (email) and the link (SMS).
    let no_qr = admin
        .update_notification_template()
        .service("mobile-app")
        .channel("email")
        .event("registration")
        .body(types::UpdateNotificationTemplate {
            subject: Some("Set up".parse().unwrap()),
            text: "Open {{EnrollUrl}}".parse().unwrap(),
            html: Some(
                "<p>Open <a href=\"{{EnrollUrl}}\">the link</a></p>"
                    .parse()
                    .unwrap(),
            ),
        })
        .send()
        .await;
    let problem = problem_of(no_qr);
    assert_eq!(problem.errors[0].field, "html");
    assert!(problem.errors[0].message.contains("{{EnrollQRCode}}"));
    let no_link = admin
        .update_notification_template()
        .service("mobile-app")
        .channel("sms")
        .event("registration")
        .body(sms_template("Set up your app today"))
        .send()
        .await;
    assert!(
        problem_of(no_link).errors[0]
            .message
            .contains("{{EnrollUrl}}")
    );

    let reader = server.client_with("reader", &[Scope::NotificationsRead]);
    assert_eq!(
        status_of(
            reader
                .update_notification_template()
                .service("mobile-code")
                .channel("sms")
                .event("enrollment-code")
                .body(sms_template("{{Code}}"))
                .send()
                .await
        ),
        403
    );
}
