//! Rendering notification templates: their parts, placeholders, checks, and the SMS length.

use std::collections::BTreeMap;

use super::shipped::{IMAGE_PLACEHOLDERS, QR_CID, TemplateSpec};
use crate::error::{AppError, FieldError};
use crate::model::messages::{Content, escape_html, text_to_html};

/// A template's parts.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateParts {
    /// Subject (email only).
    pub subject: Option<String>,
    /// Plain text (the whole SMS).
    pub text: String,
    /// HTML (email only; derived from the text when absent).
    pub html: Option<String>,
}

impl TemplateSpec {
    /// The shipped default.
    pub fn default_parts(&self) -> TemplateParts {
        TemplateParts {
            subject: self.subject.map(str::to_owned),
            text: self.text.to_owned(),
            html: self.html.map(str::to_owned),
        }
    }

    /// The longest subject, in characters.
    pub const SUBJECT_MAX_CHARS: usize = 200;
    /// The longest text or HTML body, in characters.
    pub const BODY_MAX_CHARS: usize = 20_000;

    /// Checks a template against this spec: each part's placeholders known, the required ones present.
    pub fn check(&self, parts: &TemplateParts) -> Result<(), AppError> {
        let mut errors = Vec::new();
        let is_email = self.channel == "email";
        match (&parts.subject, is_email) {
            (None, true) => errors.push(FieldError::new("subject", "an email needs a subject")),
            (Some(s), true) if s.trim().is_empty() || s.contains('\n') => {
                errors.push(FieldError::new("subject", "must be one non-empty line"))
            }
            (Some(_), false) => errors.push(FieldError::new("subject", "an SMS has no subject")),
            _ => {}
        }
        if !is_email && parts.html.is_some() {
            errors.push(FieldError::new("html", "an SMS has no HTML body"));
        }
        if parts.text.trim().is_empty() {
            errors.push(FieldError::new("text", "must not be empty"));
        }
        let mut fields: Vec<(&str, &str)> = vec![("text", &parts.text)];
        if let Some(subject) = &parts.subject {
            fields.push(("subject", subject));
        }
        if let Some(html) = &parts.html {
            fields.push(("html", html));
        }
        for (field, value) in &fields {
            let limit = match *field {
                "subject" => Self::SUBJECT_MAX_CHARS,
                _ => Self::BODY_MAX_CHARS,
            };
            if value.chars().count() > limit {
                errors.push(FieldError::new(
                    *field,
                    format!("must be at most {limit} characters"),
                ));
                continue;
            }
            for name in placeholders(value) {
                if !self.allowed.contains(&name.as_str()) {
                    errors.push(FieldError::new(
                        *field,
                        format!(
                            "unknown placeholder {{{{{name}}}}}; allowed: {}",
                            self.allowed_list()
                        ),
                    ));
                }
            }
        }
        for required in self.required {
            for (field, value) in &fields {
                let applies = match *field {
                    "subject" => false,
                    // An image shows in the HTML; the text only needs it when it is the HTML's source.
                    "text" if IMAGE_PLACEHOLDERS.contains(required) => parts.html.is_none(),
                    _ => true,
                };
                if applies && !placeholders(value).iter().any(|p| p == required) {
                    errors.push(FieldError::new(
                        *field,
                        format!("must contain the placeholder {{{{{required}}}}}"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    fn allowed_list(&self) -> String {
        self.allowed
            .iter()
            .map(|p| format!("{{{{{p}}}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The names of the `{{Placeholders}}` in `text`, in order of appearance.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        names.push(after[..end].trim().to_owned());
        rest = &after[end + 2..];
    }
    names
}

fn substitute(template: &str, values: &BTreeMap<&str, String>, escape: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match (name, escape) {
            ("EnrollQRCode", true) => out.push_str(&format!(
                "<img src=\"cid:{QR_CID}\" alt=\"QR code to set up the app\" width=\"240\" height=\"240\" style=\"display: block;\">"
            )),
            ("EnrollQRCode", false) => out.push_str(values.get("EnrollUrl").map(String::as_str).unwrap_or_default()),
            (_, true) => out.push_str(&escape_html(values.get(name).map(String::as_str).unwrap_or_default())),
            (_, false) => out.push_str(values.get(name).map(String::as_str).unwrap_or_default()),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Renders a template with values (HTML-escaped in the HTML body).
pub fn render(parts: &TemplateParts, values: &BTreeMap<&str, String>) -> Content {
    let text = substitute(&parts.text, values, false);
    // Without an HTML template, an email's HTML comes from the text template (placeholders and all).
    let derived = match (&parts.html, &parts.subject) {
        (None, Some(_)) => Some(text_to_html(&parts.text)),
        _ => None,
    };
    let html = parts.html.as_ref().or(derived.as_ref()).map(|html| {
        let body = substitute(html, values, true);
        if body.to_ascii_lowercase().contains("<html") {
            body
        } else {
            format!(
                "<!DOCTYPE html><html><body style=\"font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5;\">{body}</body></html>"
            )
        }
    });
    Content {
        subject: parts.subject.as_ref().map(|s| substitute(s, values, false)),
        html,
        text,
        inline_images: Vec::new(),
        recipient: None,
    }
}

/// Example values for previews.
pub fn sample_values() -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("UserDisplayName", "Bob Example".to_owned()),
        ("Username", "bob".to_owned()),
        ("Code", "123456".to_owned()),
        ("ExpiresAt", "2026-11-21 09:40 UTC".to_owned()),
        ("ServiceName", "Personal Email".to_owned()),
        ("OperatorName", "Ada Agent".to_owned()),
        ("Address", "b***@example.com".to_owned()),
        ("EventTime", "2026-11-21 09:30 UTC".to_owned()),
        (
            "EnrollUrl",
            "https://enroll.example.com/enroll#Q2FyZWZ1bGx5LXNhbXBsZQ".to_owned(),
        ),
        (
            "SelfEnrollUrl",
            "https://enroll.example.com/self-enroll#Q2FyZWZ1bGx5LXNhbXBsZQ".to_owned(),
        ),
        ("StopDate", "2026-12-05".to_owned()),
        ("TaskNumber", "42".to_owned()),
        ("PetitionerName", "Anna Müller".to_owned()),
        ("FlowName", "staff-onboarding".to_owned()),
        (
            "FlowDescription",
            "New staff join with their HR email".to_owned(),
        ),
        (
            "JoinUrl",
            "https://enroll.example.com/join#Q2FyZWZ1bGx5LXNhbXBsZQ".to_owned(),
        ),
        ("Decision", "approved".to_owned()),
        ("Comment", "Welcome to the lab.".to_owned()),
    ])
}

/// How an SMS body is encoded and how many parts it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsLength {
    /// `GSM-7` or `UCS-2`.
    pub encoding: &'static str,
    /// Length in encoding units (GSM-7 extension characters count twice).
    pub units: usize,
    /// Units that fit in one SMS (160 or 70).
    pub single_limit: usize,
    /// Number of SMS parts.
    pub segments: usize,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// Measures an SMS body.
pub fn sms_length(text: &str) -> SmsLength {
    let mut units = 0;
    let mut gsm = true;
    for c in text.chars() {
        if GSM7_BASIC.contains(c) {
            units += 1;
        } else if GSM7_EXTENSION.contains(c) {
            units += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (encoding, units, single, multi) = if gsm {
        ("GSM-7", units, 160, 153)
    } else {
        ("UCS-2", text.encode_utf16().count(), 70, 67)
    };
    let segments = if units <= single {
        1
    } else {
        units.div_ceil(multi)
    };
    SmsLength {
        encoding,
        units,
        single_limit: single,
        segments,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::spec;
    use super::*;

    #[test]
    fn placeholders_are_checked_and_rendered() {
        let spec = spec("mobile-code", "sms", "enrollment-code").unwrap();
        let ok = TemplateParts {
            subject: None,
            text: "Code {{Code}}".into(),
            html: None,
        };
        assert!(spec.check(&ok).is_ok());
        let unknown = TemplateParts {
            subject: None,
            text: "{{Code}} {{Secret}}".into(),
            html: None,
        };
        let AppError::Invalid(errors) = spec.check(&unknown).unwrap_err() else {
            panic!()
        };
        assert!(errors[0].message.contains("{{Secret}}"));
        let missing = TemplateParts {
            subject: None,
            text: "no code".into(),
            html: None,
        };
        let AppError::Invalid(errors) = spec.check(&missing).unwrap_err() else {
            panic!()
        };
        assert!(errors[0].message.contains("{{Code}}"));
        let values = BTreeMap::from([("Code", "<1>".to_owned())]);
        let email = TemplateParts {
            subject: Some("S".into()),
            text: "c {{Code}}".into(),
            html: Some("<b>{{Code}}</b>".into()),
        };
        let content = render(&email, &values);
        assert_eq!(content.text, "c <1>");
        assert!(content.html.unwrap().contains("<b>&lt;1&gt;</b>"));
    }

    #[test]
    fn sms_lengths_follow_gsm7_and_ucs2() {
        assert_eq!(sms_length(&"a".repeat(160)).segments, 1);
        assert_eq!(sms_length(&"a".repeat(161)).segments, 2);
        assert_eq!(sms_length(&"€".repeat(80)).units, 160);
        let ucs2 = sms_length(&"ж".repeat(71));
        assert_eq!((ucs2.encoding, ucs2.segments), ("UCS-2", 2));
    }

    proptest::proptest! {
        #[test]
        fn rendering_and_measuring_any_text_never_panics(
            template in proptest::prelude::any::<String>(),
            value in proptest::prelude::any::<String>(),
        ) {
            let values = BTreeMap::from([("Code", value.clone()), ("EnrollUrl", value)]);
            let parts = TemplateParts { subject: Some(template.clone()), text: template.clone(), html: None };
            let content = render(&parts, &values);
            let _ = placeholders(&template);
            let length = sms_length(&content.text);
            proptest::prop_assert!(length.segments >= 1);
            proptest::prop_assert!(length.units >= content.text.chars().count().min(1) || content.text.is_empty());
        }
    }
}
