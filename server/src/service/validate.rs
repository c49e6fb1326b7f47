//! Field checks shared by the services.

use crate::error::FieldError;

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Checks {
    /// The errors so far.
    pub errors: Vec<FieldError>,
    prefix: String,
}

impl Checks {
    /// Errors named `prefix.field` (e.g. `users[3].email`).
    pub fn with_prefix(prefix: impl Into<String>) -> Self {
        Self {
            errors: Vec::new(),
            prefix: prefix.into(),
        }
    }

    /// Ends the checks: 422 naming every invalid field, if any failed.
    pub fn finish(self) -> crate::error::AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::error::AppError::Invalid(self.errors))
        }
    }

    /// Records an error.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        let field = if self.prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{}.{field}", self.prefix)
        };
        self.errors.push(FieldError::new(field, message));
    }

    /// Trims text, refuses it when empty or too long, and returns it.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.fail(field, "must not be empty");
        } else if value.chars().count() > max_chars {
            self.fail(field, format!("must be at most {max_chars} characters"));
        } else if value.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
        }
        value.to_owned()
    }

    /// Like [`Checks::text`] for optional text; empty text becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max_chars: usize,
    ) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        Some(self.text(field, value, max_chars))
    }

    /// Checks a name used in paths (sources, flows): 1–63 of `a-z 0-9 - _ .`, starting with a
    /// letter or digit.
    pub fn slug(&mut self, field: &str, value: &str) -> String {
        let ok = value.len() <= 63
            && value.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && value.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
            });
        if !ok {
            self.fail(
                field,
                "must be 1 to 63 lower-case letters, digits, `-`, `_` or `.`, starting with a letter or digit",
            );
        }
        value.to_owned()
    }

    /// A username in the PRECIS UsernameCaseMapped profile (RFC 8265): width-mapped, case-folded,
    /// NFC; 1–64 characters; not shaped like a user id.
    pub fn username(&mut self, field: &str, value: &str) -> String {
        match crate::text::username(value) {
            Ok(name) => name,
            Err(message) => {
                self.fail(field, message);
                value.trim().to_owned()
            }
        }
    }

    /// An email address (lower-cased domain kept as given).
    pub fn email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if value.len() > 254 || !is_email(value) {
            self.fail(field, "is not an email address");
        }
        Some(value.to_owned())
    }

    /// A phone number in E.164 form.
    pub fn phone(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        if !is_e164(value) {
            self.fail(field, "must be in E.164 form, e.g. +15551234567");
        }
        Some(value.to_owned())
    }
}

/// The most items a batch request may carry: user imports and provisioning tasks.
pub const MAX_BULK_ITEMS: usize = 50_000;
/// The most items the other batch requests (batch enroll, remove users, resend) may carry.
pub const MAX_BATCH_ITEMS: usize = 10_000;

/// Refuses a list with fewer than `min` or more than `max` items, naming the cap.
pub fn item_count(field: &str, len: usize, min: usize, max: usize) -> crate::error::AppResult<()> {
    if len < min || len > max {
        return Err(crate::error::AppError::invalid(
            field,
            format!("must hold {min} to {max} items (it holds {len})"),
        ));
    }
    Ok(())
}

/// Whether `value` is a plain email address (`local@domain.tld`, no display name).
pub fn is_email(value: &str) -> bool {
    let Ok(address) = value.parse::<email_address::EmailAddress>() else {
        return false;
    };
    address.display_part().is_empty() && address.as_str() == value && address.domain().contains('.')
}

/// Whether `value` is an E.164 number: `+`, then 8 to 15 digits, the first not 0.
pub fn is_e164(value: &str) -> bool {
    let Some(digits) = value.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn e164_and_email_checks() {
        assert!(is_e164("+15551234567"));
        assert!(!is_e164("15551234567"));
        assert!(!is_e164("+0551234567"));
        assert!(!is_e164("+1555-123"));
        assert!(!is_e164("+1234567890123456"));
        assert!(is_email("bob@example.com"));
        assert!(!is_email("bob@localhost"));
        assert!(!is_email("Bob <bob@example.com>"));
        assert!(!is_email("bob.example.com"));
        assert!(!is_email("bob @example.com"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn field_checks_never_panic(text in any::<String>()) {
            let mut checks = Checks::with_prefix("users[0]");
            let _ = checks.username("username", &text);
            let _ = checks.text("display_name", &text, 200);
            let _ = checks.email("email", Some(&text));
            let _ = checks.phone("phone", Some(&text));
            prop_assert!(checks.errors.iter().all(|e| e.field.starts_with("users[0].")));
        }
    }
}
