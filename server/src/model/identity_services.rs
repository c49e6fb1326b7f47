//! The catalogue of identity services.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A configured way for users to prove their identity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "personal-email",
    "name": "Personal Email",
    "enabled": true,
    "configured": false,
    "not_configured_reason": "no SMTP server set (ENROLLD_SMTP_URL)",
    "agent_can_enroll": true,
    "removable": true,
    "updated_at": "2026-11-21T09:30:00Z",
    "updated_by": null
}))]
pub struct IdentityService {
    /// Stable id: `personal-email`, `mobile-code`, `mobile-app` or `software-token`.
    pub id: String,
    /// Name shown to people.
    pub name: String,
    /// Whether an administrator has switched the service on.
    pub enabled: bool,
    /// Whether the server has what the service needs (e.g. an SMTP server for email).
    pub configured: bool,
    /// Why the service is not configured, when it is not.
    pub not_configured_reason: Option<String>,
    /// Whether service-desk agents may enroll users in this service.
    pub agent_can_enroll: bool,
    /// Whether enrollments in this service may be removed.
    pub removable: bool,
    /// When the settings last changed.
    pub updated_at: DateTime<Utc>,
    /// Who last changed the settings (operator id), if anyone has.
    pub updated_by: Option<String>,
}

/// All identity services.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IdentityServiceList {
    /// The services, by id.
    pub items: Vec<IdentityService>,
}

/// Changes to a service's settings; fields left out stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"agent_can_enroll": false}))]
pub struct UpdateIdentityService {
    /// Switch the service on or off.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Whether service-desk agents may enroll users in it.
    #[serde(default)]
    pub agent_can_enroll: Option<bool>,
    /// Whether its enrollments may be removed.
    #[serde(default)]
    pub removable: Option<bool>,
}
