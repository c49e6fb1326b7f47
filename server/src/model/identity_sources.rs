//! Identity sources: connectors to an organization's directories (LDAP / Active Directory, an HTTP
//! JSON service, a file) that answer "which records have this email?" and "fetch record X".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub use crate::states::SourceKind;

/// Where a secret comes from: exactly one of a file (relative to the server's `source_files_dir`) or
/// an environment variable of the server named `ENROLLD_SOURCE_*`. The secret itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"file": "hr-ldap.password"}))]
pub struct SecretRef {
    /// A file under `source_files_dir` holding the secret (one line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// An environment variable of the server, `ENROLLD_SOURCE_<NAME>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

/// How an LDAP / Active Directory source connects and searches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "ldaps://ldap.example.org",
    "bind_dn": "cn=enrolld,ou=services,dc=example,dc=org",
    "bind_password": {"file": "hr-ldap.password"},
    "base_dn": "ou=people,dc=example,dc=org",
    "filter": "(&(objectClass=inetOrgPerson)(mail={email}))"
}))]
pub struct LdapSettings {
    /// `ldaps://host[:port]` (TLS), or `ldap://host[:port]` with `starttls` (or `plaintext`).
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    #[serde(default)]
    pub starttls: bool,
    /// Allow an `ldap://` connection without StartTLS: the bind password crosses the network in the
    /// clear. Off by default; for a directory on the same host.
    #[serde(default)]
    pub plaintext: bool,
    /// A PEM file of CA certificates (under `source_files_dir`) trusted besides the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// The DN to bind as; none binds anonymously.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_dn: Option<String>,
    /// The bind password (needed with `bind_dn`).
    #[serde(
        default,
        deserialize_with = "super::object_only",
        skip_serializing_if = "Option::is_none"
    )]
    pub bind_password: Option<SecretRef>,
    /// Where the search starts (subtree).
    pub base_dn: String,
    /// The search filter; `{email}` is replaced by the escaped address. Default `(mail={email})`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// How an HTTP JSON source is asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "search_url": "https://hr.example.org/api/people?email={email}",
    "record_url": "https://hr.example.org/api/people/{key}",
    "token": {"env": "ENROLLD_SOURCE_HR_TOKEN"},
    "records_pointer": "/items"
}))]
pub struct HttpJsonSettings {
    /// GET URL that lists the records with an email; `{email}` is replaced (percent-encoded). A 404
    /// means none.
    pub search_url: String,
    /// GET URL of one record; `{key}` is replaced (percent-encoded). A 404 means no such record.
    pub record_url: String,
    /// Sent as `Authorization: Bearer <token>`.
    #[serde(
        default,
        deserialize_with = "super::object_only",
        skip_serializing_if = "Option::is_none"
    )]
    pub token: Option<SecretRef>,
    /// JSON pointer to the array of records in the search answer; empty (the default) means the
    /// answer is the array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_pointer: Option<String>,
    /// Allow `http://` URLs (the token crosses the network in the clear). Off by default.
    #[serde(default)]
    pub plaintext: bool,
}

/// The format of a file source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// A file source: read again whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"path": "pilot-people.csv", "format": "csv"}))]
pub struct FileSettings {
    /// The file, relative to the server's `source_files_dir`.
    pub path: String,
    /// `csv` or `jsonl`; default from the file's extension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<FileFormat>,
}

/// Where a record's fields are found: LDAP attribute names, JSON pointers (HTTP JSON, JSON lines) or
/// CSV column names. Unset fields take the kind's defaults (the answer shows the fields in use).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"key": "entryUUID", "given_name": "givenName", "family_name": "sn",
    "emails": "mail", "attributes": {"employee_number": "employeeNumber"}}))]
pub struct SourceMapping {
    /// The record's stable key (LDAP default `entryUUID`; else `id`, or `/id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Given name (LDAP `givenName`; else `given_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name (LDAP `sn`; else `family_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Email addresses (LDAP `mail`; else `email`); several values, or `;`-separated text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<String>,
    /// More fields to carry, by the name they get in a record.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// A new identity source: `kind` and the settings object of that kind.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "hr-ldap",
    "description": "The HR directory",
    "kind": "ldap",
    "ldap": {
        "url": "ldaps://ldap.example.org",
        "bind_dn": "cn=enrolld,ou=services,dc=example,dc=org",
        "bind_password": {"file": "hr-ldap.password"},
        "base_dn": "ou=people,dc=example,dc=org"
    },
    "timeout_seconds": 10
}))]
pub struct CreateIdentitySource {
    /// A short name, unique: lower-case letters, digits, `-`, `_` and `.`; usable in paths.
    pub name: String,
    /// What it is, for people.
    #[serde(default)]
    pub description: Option<String>,
    /// `ldap`, `http_json` or `file`.
    pub kind: SourceKind,
    /// For `kind: ldap`.
    #[serde(default, deserialize_with = "super::object_only")]
    pub ldap: Option<LdapSettings>,
    /// For `kind: http_json`.
    #[serde(default, deserialize_with = "super::object_only")]
    pub http_json: Option<HttpJsonSettings>,
    /// For `kind: file`.
    #[serde(default, deserialize_with = "super::object_only")]
    pub file: Option<FileSettings>,
    /// Where the fields are; default by kind.
    #[serde(default, deserialize_with = "super::object_only")]
    pub mapping: Option<SourceMapping>,
    /// How long one query may take, 1–60 seconds; default 10.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub timeout_seconds: Option<u32>,
}

/// Changes to an identity source: each field present replaces the stored one whole. The kind stays.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"timeout_seconds": 5, "description": "HR directory (replica)"}))]
pub struct UpdateIdentitySource {
    /// New description.
    #[serde(default)]
    pub description: Option<String>,
    /// New LDAP settings (an `ldap` source).
    #[serde(default, deserialize_with = "super::object_only")]
    pub ldap: Option<LdapSettings>,
    /// New HTTP JSON settings (an `http_json` source).
    #[serde(default, deserialize_with = "super::object_only")]
    pub http_json: Option<HttpJsonSettings>,
    /// New file settings (a `file` source).
    #[serde(default, deserialize_with = "super::object_only")]
    pub file: Option<FileSettings>,
    /// New mapping.
    #[serde(default, deserialize_with = "super::object_only")]
    pub mapping: Option<SourceMapping>,
    /// New timeout, 1–60 seconds.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub timeout_seconds: Option<u32>,
}

/// A configured identity source.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4c8-5f1e-7cc2-8d6a-3f1e2b0c9e01",
    "name": "hr-ldap",
    "description": "The HR directory",
    "kind": "ldap",
    "ldap": {"url": "ldaps://ldap.example.org", "starttls": false, "plaintext": false,
        "bind_dn": "cn=enrolld,ou=services,dc=example,dc=org",
        "bind_password": {"file": "hr-ldap.password"}, "base_dn": "ou=people,dc=example,dc=org",
        "filter": "(mail={email})"},
    "mapping": {"key": "entryUUID", "given_name": "givenName", "family_name": "sn", "emails": "mail",
        "attributes": {}},
    "timeout_seconds": 10,
    "created_by": "admin-1",
    "created_at": "2026-11-21T09:30:00Z",
    "updated_at": "2026-11-21T09:30:00Z"
}))]
pub struct IdentitySource {
    /// Source id.
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// What it is, for people.
    pub description: Option<String>,
    /// `ldap`, `http_json` or `file`.
    pub kind: SourceKind,
    /// LDAP settings (an `ldap` source).
    #[serde(
        default,
        deserialize_with = "super::object_only",
        skip_serializing_if = "Option::is_none"
    )]
    pub ldap: Option<LdapSettings>,
    /// HTTP JSON settings (an `http_json` source).
    #[serde(
        default,
        deserialize_with = "super::object_only",
        skip_serializing_if = "Option::is_none"
    )]
    pub http_json: Option<HttpJsonSettings>,
    /// File settings (a `file` source).
    #[serde(
        default,
        deserialize_with = "super::object_only",
        skip_serializing_if = "Option::is_none"
    )]
    pub file: Option<FileSettings>,
    /// The fields in use (defaults filled in).
    pub mapping: SourceMapping,
    /// How long one query may take, in seconds.
    pub timeout_seconds: u32,
    /// The operator who created it.
    pub created_by: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A page of identity sources, by name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentitySourcePage {
    /// The sources.
    pub items: Vec<IdentitySource>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Filters for listing identity sources.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListIdentitySourcesQuery {
    /// Only sources of this kind.
    pub kind: Option<SourceKind>,
    /// Page size, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// What to look up in a source: exactly one of `email` and `key`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "anna.muller@example.org"}))]
pub struct TestIdentitySource {
    /// Find the records with this email, as a flow would after the email is verified.
    #[serde(default)]
    pub email: Option<String>,
    /// Fetch the record with this source key.
    #[serde(default)]
    pub key: Option<String>,
}

/// One record of a source, as a flow sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"source_key": "3f1e2b0c-9d61-4b5e-8f0a-1c2d3e4f5a6b", "given_name": "Anna",
    "family_name": "Müller", "emails": ["anna.muller@example.org"],
    "attributes": {"employee_number": ["1001"]}}))]
pub struct SourceRecord {
    /// The record's stable key in the source.
    pub source_key: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Email addresses.
    pub emails: Vec<String>,
    /// The mapped attributes (each with its values).
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// What a source answered to a test query.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"source": "hr-ldap", "lookup": "email", "value": "anna.muller@example.org",
    "records": [{"source_key": "3f1e2b0c-9d61-4b5e-8f0a-1c2d3e4f5a6b", "given_name": "Anna",
    "family_name": "Müller", "emails": ["anna.muller@example.org"], "attributes": {}}],
    "elapsed_ms": 12}))]
pub struct SourceTestResult {
    /// The source's name.
    pub source: String,
    /// `email` or `key`.
    pub lookup: String,
    /// The email or key looked up.
    pub value: String,
    /// The records found (at most 50).
    pub records: Vec<SourceRecord>,
    /// How long the source took, in milliseconds.
    pub elapsed_ms: u64,
}
