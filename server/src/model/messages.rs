//! A rendered message as the outbox seals it (email or SMS), and the HTML helpers used to render it.

use serde::{Deserialize, Serialize};

/// An image shown inside an HTML email (`<img src="cid:…">`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InlineImage {
    /// The Content-ID the HTML refers to.
    pub cid: String,
    /// e.g. `image/png`.
    pub content_type: String,
    /// The image bytes, base64.
    pub data_base64: String,
}

/// A rendered message, as sealed in the outbox.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Content {
    /// Email subject (none for SMS).
    pub subject: Option<String>,
    /// The plain-text body (the whole SMS).
    pub text: String,
    /// The HTML body of an email.
    pub html: Option<String>,
    /// Images the HTML shows inline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inline_images: Vec<InlineImage>,
    /// The real recipient, when it must not be stored in the clear (a one-time alternate address):
    /// the row then shows it masked, and it is wiped with the content once delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

/// Escapes text for HTML.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A minimal HTML rendering of a plain-text body.
pub fn text_to_html(text: &str) -> String {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", escape_html(p.trim()).replace('\n', "<br>")))
        .collect();
    format!(
        "<!DOCTYPE html><html><body style=\"font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5;\">{}</body></html>",
        paragraphs.join("")
    )
}
