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

/// Deserializes an optional object that, when present, must be a JSON object (the document gives it
/// as a plain, non-nullable object: leave it out instead of sending `null`); serde would otherwise
/// also read a struct from an array of its fields (`[null, null]`).
pub fn object_only<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    match serde_json::Value::deserialize(deserializer)? {
        value @ serde_json::Value::Object(_) => serde_json::from_value(value)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom(
            "expected an object (leave the field out for none)",
        )),
    }
}
