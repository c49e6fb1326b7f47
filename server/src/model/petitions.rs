//! Petitions: one person's run through an enrollment flow, with its history and the organizational
//! identities linked from the flow's sources; and the public steps the person takes by secret.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::states::PetitionStatus;

/// An operator's invitation (invitation flows) or a petition started for the person
/// (administrator flows).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "anna.muller@example.org", "given_name": "Anna", "family_name": "Müller"}))]
pub struct CreatePetition {
    /// The person's email address; the link or code goes there.
    pub email: String,
    /// Given name (the person may give it when confirming).
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name (the person may give it when confirming; compared with the sources' when a
    /// source verifies it).
    #[serde(default)]
    pub family_name: Option<String>,
    /// Administrator flows with a `select` source: the records picked for the person (found with
    /// `POST /v1/identity-sources/{source}/test`), each not yet linked to anyone.
    #[serde(default)]
    pub select: Vec<SelectRecord>,
}

/// A record an administrator picked from a source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"source": "hr-ldap", "key": "3f1e2b0c-9d61-4b5e-8f0a-1c2d3e4f5a6b"}))]
pub struct SelectRecord {
    /// The source's id or name (attached to the flow in `select` mode).
    pub source: String,
    /// The record's source key.
    pub key: String,
}

/// An approval or denial.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"comment": "Confirmed with HR"}))]
pub struct DecidePetition {
    /// Why; shown to the petitioner in the email.
    #[serde(default)]
    pub comment: Option<String>,
}

/// The code the person read back to the administrator (administrator flows with code verification).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "123456"}))]
pub struct ConfirmPetition {
    /// The 6-digit code from the email.
    pub code: String,
}

/// Who did something to a petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PetitionActor {
    /// `operator`, `petitioner` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The operator's id (none for the petitioner and the server).
    pub id: Option<String>,
    /// A name to show.
    pub name: Option<String>,
}

/// One step in a petition's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PetitionEvent {
    /// `invite_sent`, `invite_viewed`, `email_confirmed`, `source_queried`, `identity_linked`,
    /// `eligibility_failed`, `approved`, `denied`, `declined`, `duplicate`, `failed`,
    /// `notification_sent` or `finalized`.
    pub event: String,
    /// Who.
    pub actor: PetitionActor,
    /// What exactly (the source, the reason, the comment).
    pub detail: Option<serde_json::Value>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A record from an identity source linked to a petition or a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01964c1e-7a10-7d2e-9a51-3f0c2b1d4e60", "source_id": "01964c1e-0000-7d2e-9a51-3f0c2b1d4e5f",
    "source": "hr-ldap", "source_key": "3f1e2b0c-9d61-4b5e-8f0a-1c2d3e4f5a6b", "given_name": "Anna",
    "family_name": "Müller", "emails": ["anna.muller@example.org"], "attributes": {},
    "enrollee": false, "user_id": null, "fetched_at": "2026-11-22T09:05:00Z"}))]
pub struct OrgIdentity {
    /// Stable id.
    pub id: String,
    /// The source's id.
    pub source_id: String,
    /// The source's name.
    pub source: String,
    /// The record's key in the source.
    pub source_key: String,
    /// Given name, as the source has it.
    pub given_name: Option<String>,
    /// Family name, as the source has it.
    pub family_name: Option<String>,
    /// Email addresses, as the source has them.
    pub emails: Vec<String>,
    /// The mapped attributes.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Whether it is the petition's enrollee identity (picked with `select`).
    pub enrollee: bool,
    /// The user it belongs to, once the petition is finalized.
    pub user_id: Option<String>,
    /// When it was last read from the source.
    pub fetched_at: DateTime<Utc>,
}

/// A petition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Petition {
    /// Stable id.
    pub id: String,
    /// The flow's id.
    pub flow_id: String,
    /// The flow's name.
    pub flow: String,
    /// Where it is.
    pub status: PetitionStatus,
    /// The petitioner's email address.
    pub email: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// When the email address was confirmed.
    pub email_confirmed_at: Option<DateTime<Utc>>,
    /// Until when the link works (while pending confirmation).
    pub expires_at: DateTime<Utc>,
    /// The directory user, once finalized.
    pub user_id: Option<String>,
    /// Who approved or denied it (`system` for an automatic denial).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// The approver's comment.
    pub decision_comment: Option<String>,
    /// Who started it (an operator's id, or `self-signup`).
    pub created_by: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The identities linked from the flow's sources.
    pub identities: Vec<OrgIdentity>,
    /// Everything that happened, oldest first.
    pub history: Vec<PetitionEvent>,
}

/// A page of petitions (without their histories and identities: get one for those).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PetitionPage {
    /// The petitions, newest first.
    pub items: Vec<Petition>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Filters for listing petitions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListPetitionsQuery {
    /// Only petitions in this state (`pending_approval` for the approvers' queue).
    pub status: Option<PetitionStatus>,
    /// Only petitions of this flow (id or name).
    pub flow: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The identities linked to a user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrgIdentityList {
    /// The identities, by source.
    pub items: Vec<OrgIdentity>,
}

/// What a refresh changed on one identity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentityRefresh {
    /// The identity's id.
    pub id: String,
    /// The source's name.
    pub source: String,
    /// `updated`, `unchanged`, `gone` (the source no longer has the record) or `failed`.
    pub outcome: String,
    /// The fields that changed (`given_name`, `family_name`, `emails`, `attributes`).
    pub changed: Vec<String>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What a refresh did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentityRefreshReport {
    /// One entry per linked identity.
    pub items: Vec<IdentityRefresh>,
}

/// A self-signup: who wants to join.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "anna.muller@example.org", "given_name": "Anna", "family_name": "Müller"}))]
pub struct StartJoin {
    /// The email address to confirm.
    pub email: String,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
}

/// The answer to a self-signup. The same whatever the address, so it tells nobody who has
/// petitioned.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JoinStarted {
    /// What the person should do next.
    pub message: String,
    /// Code verification only: the secret the page keeps to confirm with the emailed code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// The secret from a join link (the part after `#`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"secret": "AZZMHnoQfS6aUT8MKx1OXw.kW3v1d2x8yQe5f3bqf0sH0pJmQk"}))]
pub struct JoinSecret {
    /// The secret.
    pub secret: String,
}

/// Confirming the email address (and, if not given yet, the names).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"secret": "AZZMHnoQfS6aUT8MKx1OXw.kW3v1d2x8yQe5f3bqf0sH0pJmQk", "code": "123456"}))]
pub struct ConfirmJoin {
    /// The secret.
    pub secret: String,
    /// The emailed code (flows with code verification).
    #[serde(default)]
    pub code: Option<String>,
    /// Given name, if the petition has none yet.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name, if the petition has none yet.
    #[serde(default)]
    pub family_name: Option<String>,
}

/// What the join page shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JoinView {
    /// The flow's name.
    pub flow: String,
    /// The flow's description.
    pub description: Option<String>,
    /// Where the petition is.
    pub status: PetitionStatus,
    /// The address being confirmed, masked.
    pub email: String,
    /// Whether the page must ask for the emailed code.
    pub needs_code: bool,
    /// Whether the page must ask for the names.
    pub needs_names: bool,
    /// Until when the link works.
    pub expires_at: DateTime<Utc>,
    /// What to tell the person.
    pub message: String,
}
