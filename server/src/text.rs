//! Comparing people's text: usernames in the PRECIS UsernameCaseMapped profile (RFC 8265), their
//! confusable skeletons (Unicode TR39), and the case-folded form that searches compare.

use precis_core::profile::PrecisFastInvocation;
use precis_profiles::UsernameCaseMapped;
use unicode_normalization::UnicodeNormalization;

/// The longest username, in characters.
pub const USERNAME_MAX_CHARS: usize = 64;

/// Usernames that are also literal path segments where a username could stand.
const RESERVED: &[&str] = &["import"];

/// The username in its stored form (width-mapped, case-folded, NFC), or why it cannot be one.
pub fn username(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > USERNAME_MAX_CHARS {
        return Err(format!("must be 1 to {USERNAME_MAX_CHARS} characters"));
    }
    let enforced = UsernameCaseMapped::enforce(value).map_err(|error| match error {
        precis_core::Error::BadCodepoint(info) => format!(
            "character {} (U+{:04X}) is not allowed in a username",
            info.position + 1,
            info.cp
        ),
        _ => "is not a valid username (RFC 8265 UsernameCaseMapped)".to_owned(),
    })?;
    // The stored form must itself be a valid username that maps to itself (RFC 8265 §3.3 expects
    // idempotence; a few scripts, such as Cherokee, case-fold back and forth).
    if UsernameCaseMapped::enforce(enforced.as_ref())
        .ok()
        .as_deref()
        != Some(enforced.as_ref())
    {
        return Err("has characters whose case mapping is not stable; use another spelling".into());
    }
    // A path segment of its own (`/v1/users/import`) cannot also name a user.
    if RESERVED.contains(&enforced.as_ref()) {
        return Err(format!("{enforced:?} is reserved"));
    }
    if uuid::Uuid::try_parse(&enforced).is_ok() {
        return Err("must not look like a user id (a UUID)".into());
    }
    if enforced.chars().count() > USERNAME_MAX_CHARS {
        return Err(format!("must be 1 to {USERNAME_MAX_CHARS} characters"));
    }
    Ok(enforced.into_owned())
}

/// The confusable skeleton of a username: two usernames with the same skeleton look alike
/// (`alice` and Cyrillic `аlice`).
pub fn skeleton(username: &str) -> String {
    let skeleton: String = unicode_security::skeleton(username).collect();
    skeleton.to_lowercase().nfc().collect()
}

/// The form searches compare: compatibility-normalised and lower-cased in every script.
pub fn fold(text: &str) -> String {
    let lowered: String = text.nfkc().collect::<String>().to_lowercase();
    lowered.nfc().collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn look_alike_usernames_are_refused_or_share_a_skeleton() {
        assert_eq!(username("Alice").unwrap(), "alice");
        assert_eq!(username("ａlice").unwrap(), "alice");
        assert_eq!(skeleton(&username("аlice").unwrap()), skeleton("alice"));
        assert!(username("𝐚lice").is_err());
        assert!(username("ⅰalice").is_err());
        assert!(username("alice١").is_err());
        assert!(username("bob smith").is_err());
        assert!(username("0196a3c2-5b1e-7c3d-9f00-123456789abc").is_err());
        assert_eq!(username("josé").unwrap(), "josé");
    }

    #[test]
    fn folding_finds_accented_and_non_latin_text() {
        assert!(fold("JOSÉ UPPER").contains(&fold("josé")));
        assert!(fold("Érin Ünicode").contains(&fold("Érin")));
        assert!(fold("ÉRIN").contains(&fold("érin")));
        assert!(fold("ΣΩΚΡΑΤΗΣ").contains(&fold("σωκρ")));
        assert!(fold("Jose\u{301}").contains(&fold("josé")));
    }

    #[test]
    fn usernames_whose_case_mapping_is_unstable_are_refused() {
        // Cherokee capital A lower-cases to a letter that folds back to the capital.
        assert!(username("\u{13A0}").is_err());
        assert_eq!(username("Ünicode").unwrap(), "ünicode");
    }

    proptest! {
        #[test]
        fn username_rules_never_panic(text in any::<String>()) {
            if let Ok(name) = username(&text) {
                prop_assert!(!name.is_empty());
                prop_assert!(name.chars().count() <= USERNAME_MAX_CHARS);
                prop_assert_eq!(username(&name).unwrap(), name.clone());
                let _ = skeleton(&name);
            }
            let _ = fold(&text);
        }
    }
}
