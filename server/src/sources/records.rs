//! Records from a source's fields, through its mapping: one builder for LDAP attributes, JSON
//! pointers and CSV columns.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::model::identity_sources::{SourceKind, SourceMapping, SourceRecord};

/// The mapping in use: the given fields, the kind's defaults for the rest.
pub fn effective_mapping(kind: SourceKind, given: Option<&SourceMapping>) -> SourceMapping {
    let given = given.cloned().unwrap_or_default();
    let (key, given_name, family_name, emails) = match kind {
        SourceKind::Ldap => ("entryUUID", "givenName", "sn", "mail"),
        SourceKind::File => ("id", "given_name", "family_name", "email"),
        SourceKind::HttpJson => ("/id", "/given_name", "/family_name", "/email"),
    };
    let or = |field: Option<String>, default: &str| Some(field.unwrap_or_else(|| default.into()));
    SourceMapping {
        key: or(given.key, key),
        given_name: or(given.given_name, given_name),
        family_name: or(given.family_name, family_name),
        emails: or(given.emails, emails),
        attributes: given.attributes,
    }
}

/// Builds a record from `values` (the values of a named field, none when absent). A record without
/// a key is skipped (`None`).
pub fn build(
    mapping: &SourceMapping,
    values: impl Fn(&str) -> Vec<String>,
) -> Option<SourceRecord> {
    let of = |field: &Option<String>| field.as_deref().map(&values).unwrap_or_default();
    let first = |field: &Option<String>| of(field).into_iter().find(|v| !v.trim().is_empty());
    let emails = of(&mapping.emails)
        .iter()
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    let attributes: BTreeMap<String, Vec<String>> = mapping
        .attributes
        .iter()
        .map(|(name, field)| (name.clone(), values(field)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    Some(SourceRecord {
        source_key: first(&mapping.key)?,
        given_name: first(&mapping.given_name),
        family_name: first(&mapping.family_name),
        emails,
        attributes,
    })
}

/// The values at a JSON pointer (a bare name is a top-level member): a string, number or boolean as
/// text, an array as its items, an object as its JSON.
pub fn json_values(record: &Value, pointer: &str) -> Vec<String> {
    let found = if pointer.starts_with('/') {
        record.pointer(pointer)
    } else {
        record.get(pointer)
    };
    match found {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(scalar).collect(),
        Some(other) => scalar(other).into_iter().collect(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_json_record_maps_through_pointers() {
        let mapping = SourceMapping {
            emails: Some("/contact/emails".into()),
            attributes: BTreeMap::from([("dept".into(), "/org/dept".into())]),
            ..SourceMapping::default()
        };
        let mapping = effective_mapping(SourceKind::HttpJson, Some(&mapping));
        let value = serde_json::json!({"id": 7, "given_name": "Anna", "family_name": "Müller",
            "contact": {"emails": ["a@x.org", "b@x.org"]}, "org": {"dept": "R&D"}});
        let record = build(&mapping, |f| json_values(&value, f)).unwrap();
        assert_eq!(record.source_key, "7");
        assert_eq!(record.family_name.as_deref(), Some("Müller"));
        assert_eq!(record.emails, ["a@x.org", "b@x.org"]);
        assert_eq!(record.attributes["dept"], ["R&D"]);
        assert!(build(&mapping, |f| json_values(&serde_json::json!({"x": 1}), f)).is_none());
    }
}
