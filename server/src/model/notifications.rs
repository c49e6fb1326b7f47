//! Delivery status of emails and SMS.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::states::NotificationStatus;

/// One email or SMS.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d51",
    "user_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "channel": "email",
    "recipient": "b***@example.com",
    "template": "personal-email/email/identity-verification-code",
    "status": "sent",
    "attempts": 1,
    "created_at": "2026-11-21T09:30:00Z",
    "next_attempt_at": "2026-11-21T09:30:00Z",
    "not_after": "2026-11-21T09:40:00Z",
    "sent_at": "2026-11-21T09:30:01Z",
    "last_error": null
}))]
pub struct Notification {
    /// Notification id.
    pub id: String,
    /// The user it concerns.
    pub user_id: Option<String>,
    /// `email` or `sms`.
    pub channel: String,
    /// The masked recipient.
    pub recipient: String,
    /// The template it was rendered from (`service/channel/event`).
    pub template: String,
    /// Delivery state.
    pub status: NotificationStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: DateTime<Utc>,
    /// Not sent after this time.
    pub not_after: Option<DateTime<Utc>>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// A page of notifications, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    /// The notifications on this page.
    pub items: Vec<Notification>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query parameters of `list_notifications`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListNotificationsQuery {
    /// Only notifications about this user (id or username).
    pub user: Option<String>,
    /// Only notifications in this state.
    pub status: Option<NotificationStatus>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}
