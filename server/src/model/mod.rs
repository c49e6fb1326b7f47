//! The shapes the API reads and writes (documented for OpenAPI), shared by handlers and services.

pub mod audit;
pub mod enrollments;
pub mod identity_services;
pub mod identity_sources;
pub mod messages;
pub mod notifications;
pub mod provisioning;
pub mod registration_sessions;
pub mod templates;
pub mod users;

use serde::{Deserialize, Deserializer};

/// Deserializes a field that distinguishes "absent" (`None`) from `null` (`Some(None)`).
pub fn absent_or_nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
