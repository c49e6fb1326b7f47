//! Users of the directory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::absent_or_nullable;
use crate::error::FieldError;

pub use crate::states::UserState;

/// A person in the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d11",
    "username": "bob",
    "display_name": "Bob Example",
    "given_name": "Bob",
    "family_name": "Example",
    "email": "bob@example.com",
    "phone": "+15551234567",
    "state": "active",
    "created_at": "2026-11-21T09:30:00Z",
    "updated_at": "2026-11-21T09:30:00Z"
}))]
pub struct User {
    /// Server-assigned id (UUID). Anywhere a `{user}` path parameter is taken, the id or the username works.
    pub id: String,
    /// Unique login name, stored in lower case.
    pub username: String,
    /// Name shown to operators and in messages.
    pub display_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Directory email address (where notices about the user's enrollments are sent).
    pub email: Option<String>,
    /// Directory phone number in E.164 form, e.g. `+15551234567`.
    pub phone: Option<String>,
    /// Whether the user can be enrolled.
    pub state: UserState,
    /// When the user was created.
    pub created_at: DateTime<Utc>,
    /// When the user last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "username": "bob",
    "display_name": "Bob Example",
    "given_name": "Bob",
    "family_name": "Example",
    "email": "bob@example.com",
    "phone": "+15551234567"
}))]
pub struct CreateUser {
    /// Unique login name, 1–64 characters, in the PRECIS UsernameCaseMapped profile (RFC 8265):
    /// stored width-mapped and case-folded; no spaces; not shaped like a UUID; a name that looks like an
    /// existing one (same Unicode TR39 skeleton, e.g. Cyrillic `а` for `a`) is refused with 409.
    pub username: String,
    /// Name shown to operators and in messages (default: the username).
    #[serde(default)]
    pub display_name: Option<String>,
    /// Given name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// Directory email address.
    #[serde(default)]
    pub email: Option<String>,
    /// Directory phone number in E.164 form, e.g. `+15551234567`.
    #[serde(default)]
    pub phone: Option<String>,
    /// Initial state (default `active`).
    #[serde(default)]
    pub state: Option<UserState>,
}

/// Changes to a user: fields left out stay as they are; `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Robert Example", "phone": null, "state": "disabled"}))]
pub struct UpdateUser {
    /// New username (lower-cased).
    #[serde(default)]
    pub username: Option<String>,
    /// New display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// New given name, or `null` to clear it.
    #[serde(default, deserialize_with = "absent_or_nullable")]
    #[schema(value_type = Option<String>)]
    pub given_name: Option<Option<String>>,
    /// New family name, or `null` to clear it.
    #[serde(default, deserialize_with = "absent_or_nullable")]
    #[schema(value_type = Option<String>)]
    pub family_name: Option<Option<String>>,
    /// New directory email, or `null` to clear it.
    #[serde(default, deserialize_with = "absent_or_nullable")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    /// New directory phone (E.164), or `null` to clear it.
    #[serde(default, deserialize_with = "absent_or_nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// New state.
    #[serde(default)]
    pub state: Option<UserState>,
}

/// Query parameters of `list_users`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only users in this state (`active` or `disabled`).
    pub state: Option<UserState>,
    /// Case-insensitive text searched in username, display name and email.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}

/// A page of users, ordered by username.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserPage {
    /// The users on this page.
    pub items: Vec<User>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `dry_run` for mutating operations.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DryRunQuery {
    /// When `true`, validate and report what would happen, but change nothing.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

/// Many users at once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"users": [
    {"username": "alice", "email": "alice@example.com"},
    {"username": "bob", "display_name": "Bob Example", "phone": "+15551234567"}
]}))]
pub struct ImportUsers {
    /// The users (1 to 50,000); a user whose username exists is updated where the fields differ.
    #[schema(min_items = 1, max_items = 50000)]
    pub users: Vec<CreateUser>,
}

/// What happened to one imported row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImportStatus {
    /// A new user was created.
    Created,
    /// The user existed and some fields were changed.
    Updated,
    /// The user existed with exactly these fields.
    Unchanged,
    /// The row was not imported; `errors` says why.
    Error,
}

/// The outcome of one row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportRowResult {
    /// Position of the row in the request, from 0.
    pub index: u32,
    /// The row's username as given.
    pub username: String,
    /// What happened.
    pub status: ImportStatus,
    /// The user's id (absent for errors and for users a dry run would create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why the row failed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "dry_run": false, "created": 1, "updated": 0, "unchanged": 0, "failed": 1,
    "results": [
        {"index": 0, "username": "alice", "status": "created", "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9d12"},
        {"index": 1, "username": "bob", "status": "error", "errors": [{"field": "phone", "message": "must be in E.164 form, e.g. +15551234567"}]}
    ]
}))]
pub struct ImportUsersResult {
    /// Whether this was a dry run (nothing changed).
    pub dry_run: bool,
    /// Rows that created a user.
    pub created: u32,
    /// Rows that changed an existing user.
    pub updated: u32,
    /// Rows that matched an existing user exactly.
    pub unchanged: u32,
    /// Rows that failed.
    pub failed: u32,
    /// One result per row, in request order.
    pub results: Vec<ImportRowResult>,
}
