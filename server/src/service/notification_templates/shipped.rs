//! The shipped notification templates: every kind of message (service × channel × event), its
//! default text and the placeholders it may and must use.

use crate::error::AppError;

/// One kind of message: service × channel × event, and the placeholders it may and must use.
#[derive(Debug, Clone, Copy)]
pub struct TemplateSpec {
    /// Identity service id.
    pub service: &'static str,
    /// `email` or `sms`.
    pub channel: &'static str,
    /// Event name.
    pub event: &'static str,
    /// What the message is for.
    pub description: &'static str,
    /// Placeholders that must appear (in the text, and in the HTML when there is one).
    pub required: &'static [&'static str],
    /// Placeholders that may appear.
    pub allowed: &'static [&'static str],
    /// Default subject (email).
    pub subject: Option<&'static str>,
    /// Default text.
    pub text: &'static str,
    /// Default HTML (email).
    pub html: Option<&'static str>,
}

const CODE_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "Code",
    "ExpiresAt",
    "ServiceName",
    "OperatorName",
];
const ENROLLMENT_CODE_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "Code",
    "ExpiresAt",
    "ServiceName",
    "OperatorName",
    "Address",
];
const NOTICE_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "ServiceName",
    "OperatorName",
    "Address",
    "EventTime",
];

const REGISTRATION_EMAIL_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "EnrollUrl",
    "EnrollQRCode",
    "ExpiresAt",
    "OperatorName",
];
const REGISTRATION_SMS_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "EnrollUrl",
    "ExpiresAt",
    "OperatorName",
];

/// The Content-ID of the QR code image in registration emails.
pub const QR_CID: &str = "enroll-qr";

/// Placeholders that stand for an image: required in the HTML body (or the text, when there is no HTML).
pub(super) const IMAGE_PLACEHOLDERS: &[&str] = &["EnrollQRCode"];

const NOTICE_ADDED_TEXT: &str = "Hello {{UserDisplayName}},\n\n{{ServiceName}} ({{Address}}) was added to your account by {{OperatorName}} at {{EventTime}}.\n\nIf you did not ask for this, contact your service desk at once.";
const NOTICE_ADDED_HTML: &str = "<p>Hello {{UserDisplayName}},</p><p><strong>{{ServiceName}}</strong> ({{Address}}) was added to your account by {{OperatorName}} at {{EventTime}}.</p><p>If you did not ask for this, contact your service desk at once.</p>";
const NOTICE_REMOVED_TEXT: &str = "Hello {{UserDisplayName}},\n\n{{ServiceName}} ({{Address}}) was removed from your account by {{OperatorName}} at {{EventTime}}.\n\nIf you did not ask for this, contact your service desk at once.";
const NOTICE_REMOVED_HTML: &str = "<p>Hello {{UserDisplayName}},</p><p><strong>{{ServiceName}}</strong> ({{Address}}) was removed from your account by {{OperatorName}} at {{EventTime}}.</p><p>If you did not ask for this, contact your service desk at once.</p>";

macro_rules! notices {
    ($($service:literal),*) => {
        [$(
            TemplateSpec {
                service: $service, channel: "email", event: "enrollment-added",
                description: "Tells the user, at the directory email, that an enrollment was added.",
                required: &[], allowed: NOTICE_PLACEHOLDERS,
                subject: Some("{{ServiceName}} was added to your account"),
                text: NOTICE_ADDED_TEXT, html: Some(NOTICE_ADDED_HTML),
            },
            TemplateSpec {
                service: $service, channel: "email", event: "enrollment-removed",
                description: "Tells the user, at the directory email, that an enrollment was removed.",
                required: &[], allowed: NOTICE_PLACEHOLDERS,
                subject: Some("{{ServiceName}} was removed from your account"),
                text: NOTICE_REMOVED_TEXT, html: Some(NOTICE_REMOVED_HTML),
            },
        )*]
    };
}

const CODE_SPECS: [TemplateSpec; 4] = [
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "identity-verification-code",
        description: "The code a user reads back to a service-desk agent to prove who they are (by email).",
        required: &["Code"],
        allowed: CODE_PLACEHOLDERS,
        subject: Some("Your verification code"),
        text: "Hello {{UserDisplayName}},\n\nyour verification code is {{Code}}. Read it to {{OperatorName}} to confirm it is you. It expires at {{ExpiresAt}}.\n\nIf you are not talking to the service desk, do not share this code.",
        html: Some(
            "<p>Hello {{UserDisplayName}},</p><p>your verification code is</p><p style=\"font-size: 28px; font-weight: bold; letter-spacing: 4px;\">{{Code}}</p><p>Read it to {{OperatorName}} to confirm it is you. It expires at {{ExpiresAt}}.</p><p>If you are not talking to the service desk, do not share this code.</p>",
        ),
    },
    TemplateSpec {
        service: "mobile-code",
        channel: "sms",
        event: "identity-verification-code",
        description: "The code a user reads back to a service-desk agent to prove who they are (by SMS).",
        required: &["Code"],
        allowed: CODE_PLACEHOLDERS,
        subject: None,
        text: "Your verification code is {{Code}}. Read it to the service desk only. Expires {{ExpiresAt}}.",
        html: None,
    },
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "enrollment-code",
        description: "The code sent to a new personal email address; the user reads it back to enroll the address.",
        required: &["Code"],
        allowed: ENROLLMENT_CODE_PLACEHOLDERS,
        subject: Some("Confirm your email address"),
        text: "Hello {{UserDisplayName}},\n\nyour code to confirm this address is {{Code}}. Read it to {{OperatorName}}. It expires at {{ExpiresAt}}.",
        html: Some(
            "<p>Hello {{UserDisplayName}},</p><p>your code to confirm this address is</p><p style=\"font-size: 28px; font-weight: bold; letter-spacing: 4px;\">{{Code}}</p><p>Read it to {{OperatorName}}. It expires at {{ExpiresAt}}.</p>",
        ),
    },
    TemplateSpec {
        service: "mobile-code",
        channel: "sms",
        event: "enrollment-code",
        description: "The code sent to a new mobile number; the user reads it back to enroll the number.",
        required: &["Code"],
        allowed: ENROLLMENT_CODE_PLACEHOLDERS,
        subject: None,
        text: "Your code to confirm this number is {{Code}}. Read it to the service desk only. Expires {{ExpiresAt}}.",
        html: None,
    },
];

const REGISTRATION_SPECS: [TemplateSpec; 2] = [
    TemplateSpec {
        service: "mobile-app",
        channel: "email",
        event: "registration",
        description: "Hands the user a registration session for the mobile app: a QR code to scan and a link.",
        required: &["EnrollQRCode"],
        allowed: REGISTRATION_EMAIL_PLACEHOLDERS,
        subject: Some("Set up the mobile app"),
        text: "Hello {{UserDisplayName}},\n\nto set up the mobile authenticator app, open this link on your phone:\n{{EnrollUrl}}\n\nThe link works once and expires at {{ExpiresAt}}. If you did not expect this, tell your service desk.",
        html: Some(
            "<p>Hello {{UserDisplayName}},</p><p>to set up the mobile authenticator app, scan this code with your phone's camera:</p><p>{{EnrollQRCode}}</p><p>or open this link on your phone: <a href=\"{{EnrollUrl}}\">set up the app</a>.</p><p>It works once and expires at {{ExpiresAt}}. If you did not expect this, tell your service desk.</p>",
        ),
    },
    TemplateSpec {
        service: "mobile-app",
        channel: "sms",
        event: "registration",
        description: "Hands the user a registration session for the mobile app as a link.",
        required: &["EnrollUrl"],
        allowed: REGISTRATION_SMS_PLACEHOLDERS,
        subject: None,
        text: "Set up the authenticator app: {{EnrollUrl}} (works once, expires {{ExpiresAt}})",
        html: None,
    },
];

const PROVISIONING_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "SelfEnrollUrl",
    "StopDate",
    "TaskNumber",
    "OperatorName",
];
const CANCELED_PLACEHOLDERS: &[&str] =
    &["UserDisplayName", "Username", "TaskNumber", "OperatorName"];
const REDIRECTED_PLACEHOLDERS: &[&str] = &[
    "UserDisplayName",
    "Username",
    "TaskNumber",
    "OperatorName",
    "SentTo",
];

const PROVISIONING_SPECS: [TemplateSpec; 3] = [
    TemplateSpec {
        service: "software-token",
        channel: "email",
        event: "provisioning",
        description: "Asks the user to self-enroll a software token before the stop date.",
        required: &["SelfEnrollUrl"],
        allowed: PROVISIONING_PLACEHOLDERS,
        subject: Some("Set up your software token"),
        text: "Hello {{UserDisplayName}},\n\na software token was provisioned to you (task {{TaskNumber}}). Open this link, add the token to your authenticator app and enter one code from it:\n{{SelfEnrollUrl}}\n\nPlease finish by {{StopDate}}.",
        html: Some(
            "<p>Hello {{UserDisplayName}},</p><p>a software token was provisioned to you (task {{TaskNumber}}).</p><p><a href=\"{{SelfEnrollUrl}}\">Set up your token</a>: add it to your authenticator app and enter one code from it.</p><p>Please finish by {{StopDate}}.</p>",
        ),
    },
    TemplateSpec {
        service: "software-token",
        channel: "email",
        event: "provisioning-canceled",
        description: "Tells the user that a token provisioned to them was canceled.",
        required: &[],
        allowed: CANCELED_PLACEHOLDERS,
        subject: Some("Your software token enrollment was canceled"),
        text: "Hello {{UserDisplayName}},\n\nthe software token provisioned to you in task {{TaskNumber}} was canceled by {{OperatorName}}; its enrollment link no longer works.",
        html: None,
    },
    TemplateSpec {
        service: "software-token",
        channel: "email",
        event: "provisioning-redirected",
        description: "Tells the user, at the directory address, that their self-enrollment link was sent to another address.",
        required: &["SentTo"],
        allowed: REDIRECTED_PLACEHOLDERS,
        subject: Some("Your software token link was sent to another address"),
        text: "Hello {{UserDisplayName}},\n\n{{OperatorName}} sent the link to set up your software token (task {{TaskNumber}}) to {{SentTo}} instead of this address. If you did not ask for this, tell your service desk at once.",
        html: None,
    },
];

const NOTICE_SPECS: [TemplateSpec; 8] = notices!(
    "personal-email",
    "mobile-code",
    "mobile-app",
    "software-token"
);

const PETITION_PLACEHOLDERS: &[&str] = &[
    "PetitionerName",
    "FlowName",
    "FlowDescription",
    "JoinUrl",
    "Code",
    "ExpiresAt",
    "OperatorName",
];
const DECISION_PLACEHOLDERS: &[&str] = &["PetitionerName", "FlowName", "Decision", "Comment"];

const PETITION_SPECS: [TemplateSpec; 4] = [
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "petition-invitation",
        description: "Invites a person to join through an enrollment flow: a link (and, with code verification, a code to enter on the page).",
        required: &["JoinUrl"],
        allowed: PETITION_PLACEHOLDERS,
        subject: Some("You are invited to join: {{FlowName}}"),
        text: "Hello {{PetitionerName}},\n\n{{OperatorName}} invites you to join ({{FlowName}}). Open this link to accept:\n{{JoinUrl}}\n\n{{Code}}\n\nThe link works until {{ExpiresAt}}. If you did not expect this, ignore this message.",
        html: None,
    },
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "petition-confirm-link",
        description: "Asks a petitioner to confirm the email address by opening a link.",
        required: &["JoinUrl"],
        allowed: PETITION_PLACEHOLDERS,
        subject: Some("Confirm your email address"),
        text: "Hello {{PetitionerName}},\n\nto go on with your request to join ({{FlowName}}), confirm this address by opening:\n{{JoinUrl}}\n\nThe link works until {{ExpiresAt}}. If you did not ask for this, ignore this message.",
        html: None,
    },
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "petition-confirm-code",
        description: "Gives a petitioner the code that confirms the email address.",
        required: &["Code"],
        allowed: PETITION_PLACEHOLDERS,
        subject: Some("Your confirmation code"),
        text: "Hello {{PetitionerName}},\n\nyour code to confirm this address for {{FlowName}} is {{Code}}. It works until {{ExpiresAt}}. If you did not ask for this, ignore this message.",
        html: None,
    },
    TemplateSpec {
        service: "personal-email",
        channel: "email",
        event: "petition-decided",
        description: "Tells a petitioner that the petition was approved (and the account made) or denied.",
        required: &["Decision"],
        allowed: DECISION_PLACEHOLDERS,
        subject: Some("Your request to join {{FlowName}} was {{Decision}}"),
        text: "Hello {{PetitionerName}},\n\nyour request to join ({{FlowName}}) was {{Decision}}.\n\n{{Comment}}",
        html: None,
    },
];

/// Every kind of message.
pub fn specs() -> impl Iterator<Item = &'static TemplateSpec> {
    CODE_SPECS
        .iter()
        .chain(REGISTRATION_SPECS.iter())
        .chain(PROVISIONING_SPECS.iter())
        .chain(NOTICE_SPECS.iter())
        .chain(PETITION_SPECS.iter())
}

/// The spec for a key, or `NotFound`.
pub fn spec(service: &str, channel: &str, event: &str) -> Result<&'static TemplateSpec, AppError> {
    specs()
        .find(|s| s.service == service && s.channel == channel && s.event == event)
        .ok_or_else(|| AppError::NotFound {
            kind: "notification template",
            id: format!("{service}/{channel}/{event}"),
        })
}
