//! Checks on a source's settings, each failure naming its field.

use super::Stored;
use crate::model::identity_sources::{
    HttpJsonSettings, LdapSettings, SecretRef, SourceKind, SourceMapping,
};
use crate::service::validate::Checks;
use crate::sources::secrets;

/// Default and bounds of `timeout_seconds`.
pub const DEFAULT_TIMEOUT: u32 = 10;
const TIMEOUTS: std::ops::RangeInclusive<u32> = 1..=60;

/// Checks the stored settings against the kind: its settings object present, the others absent.
pub fn settings(checks: &mut Checks, kind: SourceKind, stored: &Stored) {
    let present = [
        ("ldap", SourceKind::Ldap, stored.ldap.is_some()),
        (
            "http_json",
            SourceKind::HttpJson,
            stored.http_json.is_some(),
        ),
        ("file", SourceKind::File, stored.file.is_some()),
    ];
    for (field, of, given) in present {
        match (of == kind, given) {
            (true, false) => checks.fail(field, format!("is required for a {kind} source")),
            (false, true) => checks.fail(field, format!("is only for a {of} source, not {kind}")),
            _ => {}
        }
    }
    if let Some(ldap) = &stored.ldap {
        check_ldap(checks, ldap);
    }
    if let Some(http) = &stored.http_json {
        check_http(checks, http);
    }
    if let Some(file) = &stored.file
        && let Err(e) = secrets::check_relative(&file.path)
    {
        checks.fail("file.path", e);
    }
    if let Some(mapping) = &stored.mapping {
        check_mapping(checks, kind, mapping);
    }
    if !TIMEOUTS.contains(&stored.timeout_seconds) {
        checks.fail("timeout_seconds", "must be between 1 and 60");
    }
}

fn check_ldap(checks: &mut Checks, ldap: &LdapSettings) {
    let url = ldap.url.to_ascii_lowercase();
    let host = url.split("://").nth(1).unwrap_or_default();
    if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) || host.is_empty() {
        checks.fail(
            "ldap.url",
            "must be ldaps://host[:port] or ldap://host[:port]",
        );
    } else if url.starts_with("ldaps://") && ldap.starttls {
        checks.fail(
            "ldap.starttls",
            "is for ldap:// URLs; ldaps:// is TLS already",
        );
    } else if url.starts_with("ldap://") && !ldap.starttls && !ldap.plaintext {
        checks.fail(
            "ldap.url",
            "ldap:// without starttls sends the password in the clear: use ldaps://, set starttls, \
             or set plaintext to accept that",
        );
    }
    match (&ldap.bind_dn, &ldap.bind_password) {
        (None, Some(_)) => checks.fail("ldap.bind_password", "needs bind_dn"),
        (Some(_), None) => checks.fail("ldap.bind_password", "is required with bind_dn"),
        (_, Some(secret)) => secret_ref(checks, "ldap.bind_password", secret),
        (None, None) => {}
    }
    if ldap.base_dn.trim().is_empty() {
        checks.fail("ldap.base_dn", "must not be empty");
    }
    if let Some(filter) = &ldap.filter {
        let probe = filter.replace("{email}", "probe");
        if !filter.contains("{email}") {
            checks.fail("ldap.filter", "must contain {email}");
        } else if ldap3::parse_filter(&probe).is_err() {
            checks.fail("ldap.filter", "is not an LDAP filter (RFC 4515)");
        }
    }
    if let Some(ca_file) = &ldap.ca_file
        && let Err(e) = secrets::check_relative(ca_file)
    {
        checks.fail("ldap.ca_file", e);
    }
}

fn check_http(checks: &mut Checks, http: &HttpJsonSettings) {
    for (field, url, placeholder) in [
        ("http_json.search_url", &http.search_url, "{email}"),
        ("http_json.record_url", &http.record_url, "{key}"),
    ] {
        let probe = url.replace(placeholder, "probe");
        match reqwest::Url::parse(&probe) {
            _ if !url.contains(placeholder) => checks.fail(field, format!("must contain {placeholder}")),
            Ok(u) if u.scheme() == "https" || (u.scheme() == "http" && http.plaintext) => {}
            Ok(u) if u.scheme() == "http" => checks.fail(
                field,
                "http:// sends the token in the clear: use https://, or set plaintext to accept that",
            ),
            _ => checks.fail(field, "must be an https:// URL"),
        }
    }
    if let Some(token) = &http.token {
        secret_ref(checks, "http_json.token", token);
    }
    if let Some(pointer) = &http.records_pointer
        && !(pointer.is_empty() || pointer.starts_with('/'))
    {
        checks.fail(
            "http_json.records_pointer",
            "must be a JSON pointer: empty or starting with /",
        );
    }
}

fn secret_ref(checks: &mut Checks, field: &str, secret: &SecretRef) {
    if let Err(e) = secrets::check_ref(secret) {
        checks.fail(field, e);
    }
}

fn check_mapping(checks: &mut Checks, kind: SourceKind, mapping: &SourceMapping) {
    let named = [
        ("key", &mapping.key),
        ("given_name", &mapping.given_name),
        ("family_name", &mapping.family_name),
        ("emails", &mapping.emails),
    ];
    let fields = named
        .into_iter()
        .filter_map(|(n, f)| f.as_ref().map(|f| (n.to_owned(), f)))
        .chain(
            mapping
                .attributes
                .iter()
                .map(|(n, f)| (format!("attributes.{n}"), f)),
        );
    for (name, field) in fields {
        let pointer = kind == SourceKind::HttpJson;
        if field.trim().is_empty() || field.len() > 200 {
            checks.fail(&format!("mapping.{name}"), "must be 1 to 200 characters");
        } else if pointer && !field.starts_with('/') {
            checks.fail(
                &format!("mapping.{name}"),
                "must be a JSON pointer (starting with /)",
            );
        }
    }
    if mapping.attributes.len() > 50 {
        checks.fail("mapping.attributes", "at most 50");
    }
}
