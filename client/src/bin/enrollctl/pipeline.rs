//! Objects in: JSON (one object per line, or arrays) or CSV with a header row on standard input, each
//! bound to the command's parameters by property name, as PowerShell's ValueFromPipelineByPropertyName.

use std::io::Read;

use serde_json::{Map, Value};

use crate::names::squash;
use crate::spec::Operation;

/// One piped object.
#[derive(Clone, Debug, Default)]
pub struct Row(pub Map<String, Value>);

impl Row {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value of the property whose name squashes to `name`'s.
    pub fn value(&self, name: &str) -> Option<&Value> {
        let wanted = squash(name);
        self.0
            .iter()
            .find(|(k, _)| squash(k) == wanted)
            .map(|(_, v)| v)
    }

    /// The property as a word, when it is a string, number or boolean (or a list of them).
    pub fn word(&self, name: &str) -> Option<String> {
        self.value(name).and_then(word)
    }

    pub fn first_word(&self) -> Option<String> {
        self.0.values().next().and_then(word)
    }
}

fn word(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let words: Option<Vec<String>> = items.iter().map(word).collect();
            words.filter(|w| !w.is_empty()).map(|w| w.join(","))
        }
        _ => None,
    }
}

/// Whether standard input is a pipe or a file (a terminal or `/dev/null` is not read).
pub fn piped() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        use std::os::unix::fs::FileTypeExt;
        let kind = std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .and_then(|fd| std::fs::File::from(fd).metadata())
            .map(|m| m.file_type());
        kind.is_ok_and(|t| t.is_fifo() || t.is_file())
    }
    #[cfg(not(unix))]
    {
        use std::io::IsTerminal;
        !std::io::stdin().is_terminal()
    }
}

/// The rows on standard input.
pub fn read() -> Result<Vec<Row>, String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| format!("standard input: {e}"))?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Vec<Row>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if trimmed.starts_with(['{', '[']) {
        let mut rows = Vec::new();
        for value in serde_json::Deserializer::from_str(trimmed).into_iter::<Value>() {
            match value.map_err(|e| format!("standard input is not JSON: {e}"))? {
                Value::Object(map) => rows.push(Row(map)),
                Value::Array(items) => rows.extend(items.into_iter().filter_map(|v| match v {
                    Value::Object(map) => Some(Row(map)),
                    _ => None,
                })),
                _ => return Err("standard input: expected JSON objects".into()),
            }
        }
        return Ok(rows);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(trimmed.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("standard input (CSV): {e}"))?
        .clone();
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| format!("standard input (CSV): {e}"))?;
            Ok(Row(headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.trim().to_owned(), Value::String(v.to_owned())))
                .collect()))
        })
        .collect()
}

/// Parameters a row never sets: the call's own controls.
const NOT_FROM_ROWS: &[&str] = &["dry-run", "limit", "cursor", "idempotency-key", "if-match"];

/// The names a parameter is bound from: its own; for a user the names a user object has; for another
/// path parameter also `id` (an identity source, a session or a service piped in by itself).
fn names_for(long: &str, path: bool) -> Vec<&str> {
    match long {
        "user" => vec!["user", "identity", "username"],
        other if path => vec![other, "id"],
        other => vec![other],
    }
}

/// `--long=value` for each parameter and body property of `op` that the row has and the command line
/// does not.
pub fn bind(op: &Operation, given: impl Fn(&str) -> bool, row: &Row) -> Vec<String> {
    let parameters = op
        .parameters
        .iter()
        .map(|p| (&p.property, p.location == "path"));
    let body = op
        .body
        .iter()
        .flatten()
        .filter(|p| p.kind.given_as_words())
        .map(|p| (p, false));
    let mut out = Vec::new();
    for (property, path) in parameters.chain(body) {
        let long = property.long.as_str();
        if NOT_FROM_ROWS.contains(&long) || given(long) {
            continue;
        }
        if let Some(value) = names_for(long, path).iter().find_map(|n| row.word(n)) {
            out.push(format!("--{long}={value}"));
        }
    }
    out
}

/// Whether the row gives every path parameter of `op` (so a list/get pair gets one object per row).
pub fn gives_path(op: &Operation, given: impl Fn(&str) -> bool, row: &Row) -> bool {
    op.path_parameters().all(|p| {
        let long = p.property.long.as_str();
        given(long) || names_for(long, true).iter().any(|n| row.word(n).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_lines_arrays_and_csv() {
        let rows =
            parse("{\"username\":\"a\"}\n{\"username\":\"b\",\"n\":2}\n[{\"username\":\"c\"}]")
                .unwrap_or_default();
        let names: Vec<_> = rows.iter().filter_map(|r| r.word("Username")).collect();
        assert_eq!(names, ["a", "b", "c"]);
        let rows =
            parse("\u{feff}username,display_name\nann,\"Ann, the first\"\n").unwrap_or_default();
        assert_eq!(
            rows[0].word("DisplayName").as_deref(),
            Some("Ann, the first")
        );
        assert!(parse("{\"a\":").is_err());
        assert!(parse("a,b\n1,2,3\n").is_err());
    }
}
