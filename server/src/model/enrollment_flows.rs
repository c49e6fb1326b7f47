//! Enrollment flows: the configured paths by which a person petitions to join (self-signup, an
//! invitation, or an administrator acting for them), with the identity sources they consult.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::states::{FlowAuthorization, SourceMode};

/// How the petitioner proves the email address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailVerification {
    /// A 6-digit code is emailed; it is entered where the petition was started (the self-signup
    /// page, the invitation page, or by the administrator).
    #[default]
    Code,
    /// A link is emailed; opening it and confirming is enough.
    Link,
}

/// What else is started for the person when the petition is finalized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Nothing: the person is in the directory.
    #[default]
    None,
    /// A registration session for the mobile app, emailed to the person.
    RegistrationSession,
    /// A provisioning task for a software token, emailed to the person.
    ProvisioningTask,
}

/// What happens when the verified email or a linked identity already belongs to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// The petition ends as `duplicate`.
    #[default]
    MarkDuplicate,
    /// The petition goes on and is finalized onto that user.
    Link,
}

/// A source attached to a flow, as given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"source": "hr-ldap", "mode": "search_required", "verify_family_name": true}))]
pub struct FlowSourceInput {
    /// The identity source's id or name.
    pub source: String,
    /// How the flow uses it.
    pub mode: SourceMode,
    /// Search and Search-Required only: the source's family name must match the petition's
    /// (case-insensitively, Unicode-aware).
    #[serde(default)]
    pub verify_family_name: bool,
}

/// A source attached to a flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FlowSource {
    /// The identity source's id.
    pub source_id: String,
    /// Its name.
    pub source: String,
    /// How the flow uses it.
    pub mode: SourceMode,
    /// Whether the family name must match.
    pub verify_family_name: bool,
}

/// A new enrollment flow.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "staff-onboarding",
    "description": "New staff join with their HR email",
    "authorization": "invitation",
    "approval_required": true,
    "email_verification": "code",
    "invitation_validity_hours": 24,
    "follow_up": "registration_session",
    "sources": [{"source": "hr-ldap", "mode": "search_required", "verify_family_name": true}]
}))]
pub struct CreateEnrollmentFlow {
    /// A short name, unique: lower-case letters, digits, `-`, `_` and `.`; usable in paths and in
    /// the self-signup page's address.
    pub name: String,
    /// What it is, for people.
    #[serde(default)]
    pub description: Option<String>,
    /// Who may start a petition: `self_signup`, `invitation` or `administrator`.
    pub authorization: FlowAuthorization,
    /// Whether an operator with `petitions:approve` must approve each petition.
    #[serde(default)]
    pub approval_required: bool,
    /// `code` (default) or `link`.
    #[serde(default)]
    pub email_verification: Option<EmailVerification>,
    /// How long an invitation or confirmation link works, 1–720 hours; default 24.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 720)]
    pub invitation_validity_hours: Option<u32>,
    /// What is started for the person at the end: `none` (default), `registration_session` or
    /// `provisioning_task`.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// `mark_duplicate` (default) or `link`.
    #[serde(default)]
    pub on_duplicate: Option<OnDuplicate>,
    /// Whether petitions may be started; default true.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The identity sources consulted, in order.
    #[serde(default)]
    pub sources: Vec<FlowSourceInput>,
}

/// Changes to a flow: each field given replaces the stored one (`sources` the whole list).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approval_required": false, "enabled": true}))]
pub struct UpdateEnrollmentFlow {
    /// What it is, for people.
    #[serde(default)]
    pub description: Option<String>,
    /// Who may start a petition.
    #[serde(default)]
    pub authorization: Option<FlowAuthorization>,
    /// Whether approval is required.
    #[serde(default)]
    pub approval_required: Option<bool>,
    /// `code` or `link`.
    #[serde(default)]
    pub email_verification: Option<EmailVerification>,
    /// 1–720 hours.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 720)]
    pub invitation_validity_hours: Option<u32>,
    /// What is started at the end.
    #[serde(default)]
    pub follow_up: Option<FollowUp>,
    /// `mark_duplicate` or `link`.
    #[serde(default)]
    pub on_duplicate: Option<OnDuplicate>,
    /// Whether petitions may be started.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// The identity sources consulted, in order (the whole list).
    #[serde(default)]
    pub sources: Option<Vec<FlowSourceInput>>,
}

/// An enrollment flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01964c1e-7a10-7d2e-9a51-3f0c2b1d4e5f",
    "name": "staff-onboarding",
    "description": "New staff join with their HR email",
    "authorization": "invitation",
    "approval_required": true,
    "email_verification": "code",
    "invitation_validity_hours": 24,
    "follow_up": "registration_session",
    "on_duplicate": "mark_duplicate",
    "enabled": true,
    "sources": [{"source_id": "01964c1e-0000-7d2e-9a51-3f0c2b1d4e5f", "source": "hr-ldap",
        "mode": "search_required", "verify_family_name": true}],
    "created_by": "admin",
    "created_at": "2026-11-22T09:00:00Z",
    "updated_at": "2026-11-22T09:00:00Z"
}))]
pub struct EnrollmentFlow {
    /// Stable id.
    pub id: String,
    /// The unique name.
    pub name: String,
    /// What it is, for people.
    pub description: Option<String>,
    /// Who may start a petition.
    pub authorization: FlowAuthorization,
    /// Whether approval is required.
    pub approval_required: bool,
    /// `code` or `link`.
    pub email_verification: EmailVerification,
    /// How long an invitation or confirmation link works.
    pub invitation_validity_hours: u32,
    /// What is started at the end.
    pub follow_up: FollowUp,
    /// What happens to duplicates.
    pub on_duplicate: OnDuplicate,
    /// Whether petitions may be started.
    pub enabled: bool,
    /// The attached sources, in order.
    pub sources: Vec<FlowSource>,
    /// Self-signup flows: the public page where people start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_url: Option<String>,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A page of flows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentFlowPage {
    /// The flows.
    pub items: Vec<EnrollmentFlow>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Filters for listing flows.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEnrollmentFlowsQuery {
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
