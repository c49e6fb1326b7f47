use enrolld::auth::scopes::Scope;
use enrolld_tests::sinks::code_in;
use enrolld_tests::{Client, TestServer, problem_of, status_of, types};

use enrolld_tests::fixtures::{BOB_PHONE, create_bob};

fn sms_template(text: &str) -> types::UpdateNotificationTemplate {
    types::UpdateNotificationTemplate {
        subject: None,
        text: text.parse().unwrap(),
        html: None,
    }
}

/// What the client answers to a template update.
type Answer<T> = Result<enrolld_client::ResponseValue<T>, enrolld_client::Error<types::Problem>>;

/// Saves this text as the SMS identity-verification template of mobile-code.
async fn put_sms(admin: &Client, text: &str) -> Answer<types::NotificationTemplate> {
    admin
        .update_notification_template()
        .service("mobile-code")
        .channel("sms")
        .event("identity-verification-code")
        .body(sms_template(text))
        .send()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn templates_are_checked_previewed_and_used() {
    let server = TestServer::start().await;
    let admin = server.admin();
    every_event_has_a_default(&admin).await;
    bad_templates_are_refused(&admin).await;
    long_sms_templates_are_flagged(&admin).await;
    a_previewed_draft_is_saved_and_used(&server, &admin).await;
    email_previews_render_html_with_the_values_escaped(&admin).await;
    registration_templates_need_the_qr_code_and_the_link(&admin).await;
    the_template_api_needs_its_scopes(&server).await;
}

/// Every event has a default template, none customized; the SMS one fits in one message.
async fn every_event_has_a_default(admin: &Client) {
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
}

/// Unknown or missing placeholders, a subject on an SMS and an unknown channel are refused.
async fn bad_templates_are_refused(admin: &Client) {
    let problem = problem_of(put_sms(admin, "Your code: {{Code}} {{Password}}").await);
    assert_eq!(problem.status, 422);
    assert!(
        problem.errors[0].message.contains("{{Password}}"),
        "{:?}",
        problem.errors
    );
    let problem = problem_of(put_sms(admin, "No code in here").await);
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
}

/// Long SMS: flagged, in GSM-7 and in UCS-2.
async fn long_sms_templates_are_flagged(admin: &Client) {
    let long = put_sms(admin, &format!("{{{{Code}}}} {}", "x".repeat(160)))
        .await
        .unwrap()
        .into_inner();
    let analysis = long.sms.unwrap();
    assert!(analysis.over_limit && analysis.encoding == "GSM-7" && analysis.segments == 2);
    let cyrillic = put_sms(admin, &format!("Код {{{{Code}}}} {}", "д".repeat(60)))
        .await
        .unwrap()
        .into_inner();
    let analysis = cyrillic.sms.unwrap();
    assert_eq!(
        (analysis.encoding.as_str(), analysis.single_sms_limit),
        ("UCS-2", 70)
    );
    assert!(analysis.over_limit);
}

/// Preview a draft with sample data, then save it and see it used.
async fn a_previewed_draft_is_saved_and_used(server: &TestServer, admin: &Client) {
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
    let saved = put_sms(
        admin,
        "Hi {{UserDisplayName}}, your Enrolld code is {{Code}}",
    )
    .await
    .unwrap()
    .into_inner();
    assert!(saved.customized);
    assert_eq!(saved.updated_by.as_deref(), Some("admin"));

    create_bob(admin).await;
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
}

/// Email previews render HTML with the values escaped.
async fn email_previews_render_html_with_the_values_escaped(admin: &Client) {
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
}

/// Registration messages must carry the QR code (email) and the link (SMS).
async fn registration_templates_need_the_qr_code_and_the_link(admin: &Client) {
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
}

/// The template API needs its scopes: a reader cannot update a template.
async fn the_template_api_needs_its_scopes(server: &TestServer) {
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
