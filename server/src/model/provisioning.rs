//! Provisioning tasks, their entries, the self-enrollment policy, and self-enrollment.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::model::enrollments::Actor;

pub use crate::states::{EntryStatus, TaskStatus};

/// Kinds of token a task provisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum TokenType {
    /// A TOTP software token in an authenticator app (RFC 6238, SHA-1, 6 digits, 30 s).
    #[serde(rename = "software-totp")]
    SoftwareTotp,
}

impl TokenType {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        "software-totp"
    }
}

/// How self-enrollment works for new tasks and resends.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"validity_days": 14, "max_attempts": 5}))]
pub struct SelfEnrollmentPolicy {
    /// Days a user has to self-enroll, 1–365.
    #[schema(minimum = 1, maximum = 365)]
    pub validity_days: u32,
    /// Failed attempts before an entry locks, 1–20.
    #[schema(minimum = 1, maximum = 20)]
    pub max_attempts: u32,
}

impl Default for SelfEnrollmentPolicy {
    fn default() -> Self {
        Self {
            validity_days: 14,
            max_attempts: 5,
        }
    }
}

/// Provision tokens to users.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"users": ["bob", "carol"], "token_type": "software-totp", "stop_date": "2026-12-05"}))]
pub struct CreateProvisioningTask {
    /// Users, by id or username (1 to 50,000).
    #[schema(min_items = 1, max_items = 50000)]
    pub users: Vec<String>,
    /// The kind of token.
    pub token_type: TokenType,
    /// Last day to self-enroll (default: today + the policy's validity).
    #[serde(default)]
    pub stop_date: Option<NaiveDate>,
    /// Send every self-enrollment email to this address instead of each user's directory email. Needs
    /// `provisioning:manage`; each user's directory address is told where the link went.
    #[serde(default)]
    pub email: Option<String>,
}

/// Entries by state.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct StatusCounts {
    /// Active entries.
    pub active: u32,
    /// Completed entries.
    pub completed: u32,
    /// Locked entries.
    pub locked: u32,
    /// Expired entries.
    pub expired: u32,
    /// Canceled entries.
    pub canceled: u32,
}

/// A provisioning task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "number": 42, "operator": {"id": "op-3", "name": "Pat Provisioner"}, "emailed_to": null,
    "start_date": "2026-11-21", "stop_date": "2026-12-05", "token_type": "software-totp", "count": 2,
    "status": "open", "counts": {"active": 1, "completed": 1, "locked": 0, "expired": 0, "canceled": 0},
    "created_at": "2026-11-21T09:30:00Z", "removed_at": null
}))]
pub struct ProvisioningTask {
    /// Sequential task number.
    pub number: i64,
    /// Who provisioned (the token's `sub` and name).
    pub operator: Actor,
    /// The last address an email of this task went to when it was not each user's own (masked).
    pub emailed_to: Option<String>,
    /// The day the task was created.
    pub start_date: NaiveDate,
    /// Last day to self-enroll (entries may have later dates after a resend).
    pub stop_date: NaiveDate,
    /// The kind of token.
    pub token_type: TokenType,
    /// Users in the task.
    pub count: u32,
    /// `open` while any entry is active.
    pub status: TaskStatus,
    /// Entries by state.
    pub counts: StatusCounts,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When an operator removed it.
    pub removed_at: Option<DateTime<Utc>>,
}

/// What happened to one requested user of a new task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisionStatus {
    /// The user has an entry in the task (or, in a dry run, would have).
    Provisioned,
    /// Left out on purpose: already outstanding in another task, already enrolled, or listed twice.
    Skipped,
    /// Could not be provisioned; `reason` says why.
    Error,
}

/// What happened to one requested user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvisionResult {
    /// The user as given in the request.
    pub user: String,
    /// Whether the user was provisioned.
    pub status: ProvisionStatus,
    /// Why it was skipped or failed.
    pub reason: Option<String>,
    /// The new entry (absent for errors and dry runs).
    pub entry_id: Option<String>,
}

/// The answer to `create_provisioning_task`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvisioningTaskCreated {
    /// The task (number 0 in a dry run).
    #[serde(flatten)]
    pub task: ProvisioningTask,
    /// Whether this was a dry run (nothing stored or sent).
    pub dry_run: bool,
    /// One result per requested user, in request order.
    pub results: Vec<ProvisionResult>,
}

/// Query parameters of `list_provisioning_tasks`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListProvisioningTasksQuery {
    /// Only tasks created by this operator id.
    pub operator: Option<String>,
    /// `open` or `completed` (default: open only).
    pub status: Option<TaskStatus>,
    /// Include completed tasks (when no `status` is given).
    pub include_completed: Option<bool>,
    /// Only tasks started on or after this day.
    pub from: Option<NaiveDate>,
    /// Only tasks started on or before this day.
    pub to: Option<NaiveDate>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A page of tasks, newest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvisioningTaskPage {
    /// The tasks on this page.
    pub items: Vec<ProvisioningTask>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One user in a task.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskEntry {
    /// Entry id.
    pub id: String,
    /// The user's id.
    pub user_id: String,
    /// The user's username.
    pub username: String,
    /// Where the self-enrollment email last went (masked).
    pub provisioned_to: Option<String>,
    /// The entry's state (an active entry past its stop date shows as expired at once).
    pub status: EntryStatus,
    /// Failed self-enrollment attempts.
    pub attempts: u32,
    /// The token serial, once the user started self-enrolling.
    pub serial: Option<String>,
    /// Last day to self-enroll.
    pub stop_date: NaiveDate,
    /// When the user completed self-enrollment.
    pub completed_at: Option<DateTime<Utc>>,
    /// When an operator canceled the entry.
    pub canceled_at: Option<DateTime<Utc>>,
}

/// Query parameters of `get_provisioning_task`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetProvisioningTaskQuery {
    /// Only entries in this state.
    pub status: Option<EntryStatus>,
    /// Entries per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page of entries.
    pub cursor: Option<String>,
}

/// A task with a page of its entries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProvisioningTaskDetail {
    /// The task.
    #[serde(flatten)]
    pub task: ProvisioningTask,
    /// A page of its entries, by entry id.
    pub entries: Vec<TaskEntry>,
    /// Pass as `cursor` for the next page of entries; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A user's outstanding entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserProvisioningEntry {
    /// The task number.
    pub task_number: i64,
    /// Who provisioned it.
    pub requester: Actor,
    /// Where the email last went (masked).
    pub provisioned_to: Option<String>,
    /// The task's start day.
    pub start_date: NaiveDate,
    /// Last day to self-enroll.
    pub stop_date: NaiveDate,
    /// The entry's state.
    pub status: EntryStatus,
    /// The kind of token.
    pub token_type: TokenType,
    /// Link to the task; only for callers with `provisioning:manage`.
    pub task_href: Option<String>,
}

/// A user's outstanding entries.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserProvisioningList {
    /// Outstanding entries, by task number.
    pub items: Vec<UserProvisioningEntry>,
}

/// A new stop date.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"stop_date": "2026-12-19"}))]
pub struct UpdateProvisioningTask {
    /// The new last day to self-enroll for the task's active entries (today or later).
    pub stop_date: NaiveDate,
}

/// Remove users from a task.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"users": ["carol"], "notify": true}))]
pub struct RemoveTaskUsers {
    /// Users, by id or username (1 to 10,000).
    #[schema(min_items = 1, max_items = 10000)]
    pub users: Vec<String>,
    /// Email each user that the enrollment was canceled.
    #[serde(default)]
    pub notify: bool,
}

/// Resend self-enrollment emails.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"users": ["bob"], "email": "bob.private@example.org"}))]
pub struct ResendProvisioning {
    /// Users, by id or username (1 to 10,000; default: every active entry).
    #[serde(default)]
    #[schema(min_items = 1, max_items = 10000)]
    pub users: Option<Vec<String>>,
    /// Send to this address this once (it is not stored). Needs `provisioning:manage`; each user's
    /// directory address is told where the link went.
    #[serde(default)]
    pub email: Option<String>,
}

/// What a bulk task change did to one user's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskUserStatus {
    /// The entry was canceled (removed from the task).
    Canceled,
    /// The self-enrollment email was sent again.
    Resent,
    /// Nothing changed; `reason` says why.
    Error,
}

/// What happened per user in a bulk task change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskUserResult {
    /// The user as given.
    pub user: String,
    /// What happened to the user's entry.
    pub status: TaskUserStatus,
    /// Why it failed.
    pub reason: Option<String>,
}

/// The answer to a bulk task change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TaskUsersChanged {
    /// Entries changed.
    pub changed: u32,
    /// One result per user.
    pub results: Vec<TaskUserResult>,
    /// The task afterwards.
    pub task: ProvisioningTask,
}

/// The secret from a self-enrollment link.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"secret": "0193a4c85f1e7cc28d6a3f1e2b0c9d81.nC0cJ0N7Y1mA2l0pZf3Wlq6b8r1T9xYk4e5Vd2sHh7E"}))]
pub struct StartSelfEnrollment {
    /// The secret from the link's fragment.
    pub secret: String,
}

/// A fresh token for the user's authenticator app.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SelfEnrollmentToken {
    /// The token serial.
    pub serial: String,
    /// The `otpauth://totp/...` URI to add to an authenticator app.
    pub otpauth_uri: String,
    /// The same URI as an SVG QR code.
    pub qr_svg: String,
    /// The key in base32, for typing in by hand.
    pub secret_base32: String,
    /// Last day to finish.
    pub stop_date: NaiveDate,
}

/// Prove the token with one code.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"secret": "0193a4c85f1e7cc28d6a3f1e2b0c9d81.nC0cJ0N7Y1mA2l0pZf3Wlq6b8r1T9xYk4e5Vd2sHh7E", "otp": "287082"}))]
pub struct CompleteSelfEnrollment {
    /// The secret from the link's fragment.
    pub secret: String,
    /// A code from the authenticator app.
    pub otp: String,
}

/// Self-enrollment finished.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SelfEnrollmentCompleted {
    /// The enrolled token's serial.
    pub serial: String,
    /// The new `software-token` enrollment.
    pub enrollment_id: String,
}

/// The path of a provisioning task, as links in answers give it.
pub fn task_path(number: i64) -> String {
    format!("/v1/provisioning-tasks/{number}")
}
