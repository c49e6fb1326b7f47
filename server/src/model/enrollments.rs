//! Enrollments, identity verification and enrollment challenges.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::FieldError;

/// Who did something.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    /// Operator id (`sub`), or `self` for the user's own action.
    pub id: String,
    /// Display name, when known.
    pub name: Option<String>,
}

/// A user's enrollment in an identity service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d21",
    "user_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "service": "personal-email",
    "address": "b***@example.org",
    "method": "code",
    "enrolled_at": "2026-11-21T09:35:00Z",
    "enrolled_by": {"id": "agent-7", "name": "Ada Agent"},
    "removed_at": null,
    "removed_by": null
}))]
pub struct Enrollment {
    /// Enrollment id.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// Identity service id.
    pub service: String,
    /// The enrolled address, device or serial, masked for display.
    pub address: String,
    /// How it came about: `code` (read back), `batch` (by an administrator), `app`, `self-enrollment`.
    pub method: String,
    /// When it was enrolled.
    pub enrolled_at: DateTime<Utc>,
    /// Who enrolled it.
    pub enrolled_by: Actor,
    /// When it was removed (history only).
    pub removed_at: Option<DateTime<Utc>>,
    /// Who removed it (history only).
    pub removed_by: Option<String>,
}

/// A user's enrollments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentList {
    /// Enrollments, oldest first.
    pub items: Vec<Enrollment>,
}

/// Query parameters of `list_enrollments`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListEnrollmentsQuery {
    /// Also list removed enrollments (history).
    #[serde(default)]
    pub include_removed: Option<bool>,
}

/// Where a verification code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CodeChannel {
    /// By email.
    Email,
    /// By SMS.
    Sms,
}

impl CodeChannel {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// Start verifying a user's identity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"channel": "email"}))]
pub struct StartIdentityVerification {
    /// Send the code by `email` (directory email, else the enrolled personal email) or `sms`
    /// (directory phone, else the enrolled mobile number).
    pub channel: CodeChannel,
}

/// A code the user reads back.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "123456"}))]
pub struct CodeInput {
    /// The 6-digit code the user read back.
    pub code: String,
}

/// The state of a code challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChallengeStatus {
    /// Waiting for the code.
    Pending,
    /// The code was read back correctly.
    Verified,
    /// The code expired.
    Expired,
    /// Too many wrong codes.
    Locked,
}

/// An identity verification: a code sent to the user, and (once confirmed) the window in which this
/// operator may change the user's enrollments.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d31",
    "user_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "channel": "email",
    "destination": "b***@example.com",
    "status": "pending",
    "expires_at": "2026-11-21T09:40:00Z",
    "attempts_left": 5,
    "verified_until": null
}))]
pub struct IdentityVerification {
    /// Verification id (confirm it with `confirm_identity_verification`).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// Where the code went.
    pub channel: CodeChannel,
    /// The masked address the code went to.
    pub destination: String,
    /// The challenge's state.
    pub status: ChallengeStatus,
    /// When the code expires.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes still allowed.
    pub attempts_left: u32,
    /// Once verified: until when this operator may change the user's enrollments.
    pub verified_until: Option<DateTime<Utc>>,
}

/// Whether the calling operator has verified the user's identity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"verified": true, "verified_at": "2026-11-21T09:31:00Z", "expires_at": "2026-11-21T09:46:00Z", "channel": "email", "enforced": true}))]
pub struct IdentityVerificationStatus {
    /// Whether a verification window is open for this operator and user.
    pub verified: bool,
    /// When the user was verified.
    pub verified_at: Option<DateTime<Utc>>,
    /// When the window closes.
    pub expires_at: Option<DateTime<Utc>>,
    /// The channel the code went through.
    pub channel: Option<CodeChannel>,
    /// Whether changes to enrollments require verification.
    pub enforced: bool,
}

/// The identity-verification policy.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enforce": true, "window_minutes": 15}))]
pub struct IdentityVerificationSettings {
    /// Whether agents must verify a user before changing the user's enrollments.
    pub enforce: bool,
    /// How long a verification lasts, 5–60 minutes.
    #[schema(minimum = 5, maximum = 60)]
    pub window_minutes: u32,
}

impl Default for IdentityVerificationSettings {
    fn default() -> Self {
        Self {
            enforce: true,
            window_minutes: 15,
        }
    }
}

/// Services that enroll by a code read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum CodeService {
    /// A personal email address.
    #[serde(rename = "personal-email")]
    PersonalEmail,
    /// A mobile number for codes by SMS.
    #[serde(rename = "mobile-code")]
    MobileCode,
}

impl CodeService {
    /// The identity service id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PersonalEmail => "personal-email",
            Self::MobileCode => "mobile-code",
        }
    }

    /// The channel its codes go through.
    pub fn channel(self) -> CodeChannel {
        match self {
            Self::PersonalEmail => CodeChannel::Email,
            Self::MobileCode => CodeChannel::Sms,
        }
    }
}

/// Start enrolling an address: a code goes to it, and the user reads it back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"service": "personal-email", "address": "bob@example.org"}))]
pub struct StartEnrollmentChallenge {
    /// `personal-email` or `mobile-code`.
    pub service: CodeService,
    /// The email address or the E.164 mobile number to enroll.
    pub address: String,
}

/// A code sent to an address being enrolled.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d41",
    "user_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "service": "personal-email",
    "destination": "b***@example.org",
    "status": "pending",
    "expires_at": "2026-11-21T09:45:00Z",
    "attempts_left": 5,
    "sends": 1
}))]
pub struct EnrollmentChallenge {
    /// Challenge id (verify it with `verify_enrollment_challenge`).
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// The identity service being enrolled.
    pub service: CodeService,
    /// The masked address the code went to.
    pub destination: String,
    /// The challenge's state.
    pub status: ChallengeStatus,
    /// When the current code expires.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes still allowed (a resend does not restore them).
    pub attempts_left: u32,
    /// How many times a code was sent.
    pub sends: u32,
}

/// Enroll many users directly (administrators), without codes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"user": "bob", "service": "personal-email", "address": "bob@example.org"},
    {"user": "carol", "service": "mobile-code", "address": "+15557654321"}
]}))]
pub struct BatchEnroll {
    /// The enrollments to add (1 to 10,000).
    #[schema(min_items = 1, max_items = 10000)]
    pub items: Vec<BatchEnrollItem>,
}

/// One enrollment to add.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchEnrollItem {
    /// The user's id or username.
    pub user: String,
    /// Identity service id.
    pub service: String,
    /// The address, number, device or serial to enroll.
    pub address: String,
}

/// What happened to one batch item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BatchItemStatus {
    /// Enrolled (or, in a dry run, would be).
    Enrolled,
    /// Not enrolled; `errors` says why.
    Error,
}

/// The outcome of one batch item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchEnrollResult {
    /// Position in the request, from 0.
    pub index: u32,
    /// Whether it was enrolled.
    pub status: BatchItemStatus,
    /// The new enrollment's id (absent for errors and dry runs).
    pub enrollment_id: Option<String>,
    /// Why the item failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The outcome of a batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchEnrollResponse {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Items enrolled (or that would be).
    pub enrolled: u32,
    /// Items that failed.
    pub failed: u32,
    /// One result per item, in request order.
    pub results: Vec<BatchEnrollResult>,
}
