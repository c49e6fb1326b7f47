//! The shapes the API reads and writes (documented for OpenAPI), shared by handlers and services.

pub mod audit;
pub mod enrollment_flows;
pub mod enrollments;
pub mod identity_services;
pub mod identity_sources;
pub mod messages;
pub mod notifications;
pub mod petitions;
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

/// Deserializes an optional object that must be written as a JSON object: serde would otherwise
/// also read a struct from an array of its fields (`[null, null]`), which the document does not allow.
pub fn object_only<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value @ serde_json::Value::Object(_)) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        Some(_) => Err(serde::de::Error::custom("expected an object")),
    }
}
