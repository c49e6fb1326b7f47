//! Registration sessions for the mobile app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::states::SessionStatus;

/// Ways to hand a registration session to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NotifyChannel {
    /// An email with the QR code (to the directory email).
    Email,
    /// An SMS with the link (to the directory phone).
    Sms,
}

/// Create a registration session.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"hours_to_live": 24, "notify": ["email"], "force": false}))]
pub struct CreateRegistrationSession {
    /// Lifetime in hours (fractions allowed); default 24, kept within 10 minutes and 7 days.
    #[serde(default)]
    pub hours_to_live: Option<f64>,
    /// Send the session to the user now: `email` (QR code) and/or `sms` (link).
    #[serde(default)]
    pub notify: Vec<NotifyChannel>,
    /// Replace a pending session the user already has.
    #[serde(default)]
    pub force: bool,
}

/// A short-lived, single-use secret that lets a user register the mobile app.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d61",
    "user_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "status": "pending",
    "created_at": "2026-11-21T09:30:00Z",
    "expires_at": "2026-11-22T09:30:00Z",
    "created_by": {"id": "agent-7", "name": "Ada Agent"},
    "enroll_url": "https://enroll.example.com/enroll#AZOkyF8efMKNaj8eKwydEQ.nC0cJ0N7Y1mA2l0pZf3Wlq6b8r1T9xYk4e5Vd2sHh7E",
    "ttl_clamped": false,
    "notified": ["email"],
    "consumed_at": null,
    "removed_at": null,
    "enrollment_id": null
}))]
pub struct RegistrationSession {
    /// Session id.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// `pending`, `consumed`, `expired` or `removed` (expiry shows at once).
    pub status: SessionStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: crate::model::enrollments::Actor,
    /// The link the app opens (`<public_url>/enroll#<secret>`): only in the answer that creates the
    /// session; the QR code endpoints show it again while it is pending. While identity verification
    /// is enforced, only an operator who verified the user's identity in the current window sees it
    /// (sending it to the user's directory email or phone needs no verification).
    pub enroll_url: Option<String>,
    /// Why `enroll_url` is left out of this answer, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enroll_url_withheld: Option<String>,
    /// True when the requested lifetime was outside 10 minutes – 7 days and was brought within it.
    pub ttl_clamped: bool,
    /// Channels the session was sent through in this request.
    pub notified: Vec<NotifyChannel>,
    /// When the app registered.
    pub consumed_at: Option<DateTime<Utc>>,
    /// When it was removed.
    pub removed_at: Option<DateTime<Utc>>,
    /// The `mobile-app` enrollment it created.
    pub enrollment_id: Option<String>,
}

/// A page of sessions, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegistrationSessionPage {
    /// The sessions on this page.
    pub items: Vec<RegistrationSession>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query parameters of `list_registration_sessions`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListRegistrationSessionsQuery {
    /// Only sessions in this state.
    pub status: Option<SessionStatus>,
    /// Only this user's sessions (id or username).
    pub user: Option<String>,
    /// Only sessions created by this operator id.
    pub created_by: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// Send a pending session again.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channels": ["email", "sms"]}))]
pub struct NotifyRegistrationSession {
    /// `email` and/or `sms`.
    #[schema(min_items = 1)]
    pub channels: Vec<NotifyChannel>,
}

/// What was sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationsQueued {
    /// The notifications queued, one per channel.
    pub notification_ids: Vec<String>,
}

/// Size of a QR code image.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// Image width (and height) in pixels, 64–2048 (default 320); the image is exactly this wide
    /// unless the code needs more than one pixel per module.
    #[param(minimum = 64, maximum = 2048)]
    pub size: Option<u32>,
    /// Quiet zone around the code, in modules, 0–16 (default 4).
    #[param(minimum = 0, maximum = 16)]
    pub margin: Option<u32>,
}

/// The app registering with a session's secret.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "secret": "AZOkyF8efMKNaj8eKwydEQ.nC0cJ0N7Y1mA2l0pZf3Wlq6b8r1T9xYk4e5Vd2sHh7E",
    "device_name": "Carol's Pixel",
    "platform": "android",
    "public_key": "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="
}))]
pub struct AppRegistration {
    /// The secret from the link's fragment or the QR code.
    pub secret: String,
    /// A name for the device, shown to operators.
    pub device_name: String,
    /// `ios`, `android` or another platform name.
    pub platform: String,
    /// The app's public key (base64), whose fingerprint is kept with the enrollment.
    #[serde(default)]
    pub public_key: Option<String>,
}

/// The result of a registration.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"enrollment_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d71", "key_fingerprint": "SHA256:3b1f0c2a…"}))]
pub struct AppRegistrationResult {
    /// The new `mobile-app` enrollment.
    pub enrollment_id: String,
    /// SHA-256 fingerprint of the public key, when one was sent.
    pub key_fingerprint: Option<String>,
}
