//! Notification templates.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How an SMS body is encoded and how many parts it takes (rendered with sample values).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmsAnalysis {
    /// `GSM-7` or `UCS-2`.
    pub encoding: String,
    /// Length in encoding units (GSM-7 extension characters count twice).
    pub length: u32,
    /// What fits in one SMS: 160 (GSM-7) or 70 (UCS-2).
    pub single_sms_limit: u32,
    /// Number of SMS parts it is sent as.
    pub segments: u32,
    /// True when it does not fit in one SMS.
    pub over_limit: bool,
}

/// A notification template: service × channel × event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "service": "mobile-code", "channel": "sms", "event": "enrollment-code",
    "description": "The code sent to a new mobile number; the user reads it back to enroll the number.",
    "subject": null,
    "text": "Your code to confirm this number is {{Code}}. Read it to the service desk only. Expires {{ExpiresAt}}.",
    "html": null,
    "placeholders": ["UserDisplayName", "Username", "Code", "ExpiresAt", "ServiceName", "OperatorName", "Address"],
    "required_placeholders": ["Code"],
    "customized": false, "updated_at": null, "updated_by": null,
    "sms": {"encoding": "GSM-7", "length": 96, "single_sms_limit": 160, "segments": 1, "over_limit": false}
}))]
pub struct NotificationTemplate {
    /// Identity service id.
    pub service: String,
    /// `email` or `sms`.
    pub channel: String,
    /// The event it is sent for.
    pub event: String,
    /// What the message is for.
    pub description: String,
    /// Email subject.
    pub subject: Option<String>,
    /// Plain-text body (the whole SMS).
    pub text: String,
    /// HTML body (email); derived from the text when absent.
    pub html: Option<String>,
    /// Placeholders this template may use, written `{{Name}}`.
    pub placeholders: Vec<String>,
    /// Placeholders it must use.
    pub required_placeholders: Vec<String>,
    /// Whether an operator changed it from the shipped default.
    pub customized: bool,
    /// When it was changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Who changed it.
    pub updated_by: Option<String>,
    /// For SMS templates: length and parts with sample values.
    pub sms: Option<SmsAnalysis>,
}

/// All templates.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationTemplateList {
    /// Every template.
    pub items: Vec<NotificationTemplate>,
}

/// A new version of a template.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Code: {{Code}} (valid until {{ExpiresAt}})"}))]
pub struct UpdateNotificationTemplate {
    /// Email subject (required for email, absent for SMS); at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// Plain-text body (the whole SMS); at most 20,000 characters.
    #[schema(max_length = 20000)]
    pub text: String,
    /// HTML body (email only; derived from the text when absent); at most 20,000 characters.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub html: Option<String>,
}

/// What to preview: a draft, or (with every field absent) the template in force.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct PreviewNotificationTemplate {
    /// Draft subject; at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub subject: Option<String>,
    /// Draft text; at most 20,000 characters.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub text: Option<String>,
    /// Draft HTML; at most 20,000 characters.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub html: Option<String>,
}

/// A template rendered with sample values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"subject": null, "text": "Code: 123456 (valid until 2026-11-21 09:40 UTC)", "html": null,
    "sms": {"encoding": "GSM-7", "length": 47, "single_sms_limit": 160, "segments": 1, "over_limit": false}}))]
pub struct RenderedNotification {
    /// Rendered subject.
    pub subject: Option<String>,
    /// Rendered text.
    pub text: String,
    /// Rendered HTML (email).
    pub html: Option<String>,
    /// For SMS: length and parts.
    pub sms: Option<SmsAnalysis>,
}
