//! Audit events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Who did something.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditActor {
    /// `operator` (a verified token), `anonymous` (no valid token), `user` (self-service) or `system`.
    #[serde(rename = "type")]
    pub actor_type: String,
    /// The operator's `sub` or the user's id.
    pub id: Option<String>,
    /// The operator's name, when the token carried one.
    pub name: Option<String>,
}

/// What something was done to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditTarget {
    /// Kind of target, e.g. `user`, `identity_service`.
    #[serde(rename = "type")]
    pub target_type: String,
    /// Its id.
    pub id: String,
}

/// One append-only record of a change or a security-relevant event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d13",
    "occurred_at": "2026-11-21T09:30:00Z",
    "actor": {"type": "operator", "id": "agent-7", "name": "Ada Agent"},
    "action": "create_user",
    "target": {"type": "user", "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11"},
    "outcome": "success",
    "request_id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d14",
    "detail": {"username": "bob"}
}))]
pub struct AuditEvent {
    /// Event id (time-ordered).
    pub id: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// Who did it.
    pub actor: AuditActor,
    /// The operation id (e.g. `create_user`) or security event (e.g. `authentication_failed`).
    pub action: String,
    /// What it was done to, if anything.
    pub target: Option<AuditTarget>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// The request id (the `instance` of problems, the `X-Request-Id` header).
    pub request_id: Option<String>,
    /// Extra facts about the event (never secrets).
    pub detail: Option<serde_json::Value>,
}

/// A page of audit events, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEventPage {
    /// The events on this page.
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` to get the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Query parameters of `list_audit_events`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListAuditEventsQuery {
    /// Only events by this actor id (operator `sub`).
    pub actor: Option<String>,
    /// Only events with this action (operation id or security event).
    pub action: Option<String>,
    /// Only events about this target id.
    pub target: Option<String>,
    /// Only events at or after this time (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Only events before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}
