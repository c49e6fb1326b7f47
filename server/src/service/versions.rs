//! Versions of changeable resources: the `ETag` a read answers with, and the `If-Match` check a change
//! makes against the current one inside its transaction (RFC 9110 §13.1.1).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};

/// The ETag of a representation: a hash of its JSON, so it changes whenever anything shown changes.
pub fn tag_of(value: &impl Serialize) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&json);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Refuses (412) a change whose `If-Match` names another version than the representation `current`
/// builds; `current` runs only when there is a version to compare with (not for no header or `*`).
pub fn require_current<T: Serialize>(
    if_match: Option<&str>,
    current: impl FnOnce() -> AppResult<T>,
) -> AppResult<()> {
    match if_match {
        None | Some("*") => Ok(()),
        Some(_) => require(if_match, &tag_of(&current()?)),
    }
}

/// Refuses (412) a change whose `If-Match` names none of `current`; `*` or no header passes.
pub fn require(if_match: Option<&str>, current: &str) -> AppResult<()> {
    match if_match {
        Some(tags)
            if tags != "*"
                && !tags
                    .split(',')
                    // Strong comparison, so a weak validator never matches.
                    .any(|t| t.trim() == current) =>
        {
            Err(AppError::PreconditionFailed {
                current: current.to_owned(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn if_match_compares_strongly() {
        let current = tag_of(&serde_json::json!({"a": 1}));
        assert_ne!(current, tag_of(&serde_json::json!({"a": 2})));
        assert!(require(None, &current).is_ok());
        assert!(require(Some("*"), &current).is_ok());
        assert!(require(Some(&format!("\"x\", {current}")), &current).is_ok());
        assert!(require(Some(&format!("W/{current}")), &current).is_err());
        assert!(require(Some("\"x\""), &current).is_err());
        // The representation is built only when there is a version to compare it with.
        let unbuilt = || -> AppResult<serde_json::Value> { panic!("built for nothing") };
        assert!(require_current(None, unbuilt).is_ok());
        assert!(require_current(Some("*"), unbuilt).is_ok());
        let stale = require_current(Some("\"x\""), || Ok(serde_json::json!({"a": 1})));
        assert!(stale.is_err());
    }
}
