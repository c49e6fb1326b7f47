//! The JSON body of a call, built from the arguments (typed by the document) and, for commands that
//! take many rows at once (`Import-User`, `New-ProvisioningTask`), from the piped rows.

use clap::ArgMatches;
use clap::parser::ValueSource;
use serde_json::{Map, Value};

use crate::names::squash;
use crate::pipeline::Row;
use crate::spec::{Kind, Operation, Property};

/// The body: every body property given on the command line, and the rows in the collection property.
pub fn build(op: &Operation, matches: &ArgMatches, rows: &[Row]) -> Result<Value, String> {
    let mut body = Map::new();
    for property in op.body.iter().flatten() {
        let raw = matches.try_get_raw(&property.long).ok().flatten();
        if let (true, Some(raw)) = (given(matches, &property.long), raw) {
            let words: Vec<String> = raw.map(|w| w.to_string_lossy().into_owned()).collect();
            body.insert(
                property.name.clone(),
                typed(&property.kind, &words).map_err(|e| format!("-{}: {e}", property.long))?,
            );
        }
    }
    if let Some(collection) = op.collection().filter(|c| !body.contains_key(&c.name))
        && !rows.is_empty()
    {
        let items = rows
            .iter()
            .enumerate()
            .map(|(i, row)| item(&collection.kind, row).map_err(|e| format!("row {}: {e}", i + 1)));
        body.insert(
            collection.name.clone(),
            Value::Array(items.collect::<Result<_, _>>()?),
        );
    }
    if let (None, [row]) = (op.collection(), rows) {
        objects_of(op, row, &mut body)?;
    }
    for property in op.body.iter().flatten().filter(|p| p.required) {
        if !body.contains_key(&property.name) {
            let how = match op.collection() {
                Some(c) if c.name == property.name => " (or pipe rows in)",
                _ => "",
            };
            return Err(format!("-{} is required{how}", property.long));
        }
    }
    Ok(Value::Object(body))
}

/// The body properties that are objects (no argument gives them), from a piped row: a JSON line's
/// object as it is, a CSV cell as JSON text.
fn objects_of(op: &Operation, row: &Row, body: &mut Map<String, Value>) -> Result<(), String> {
    for property in op
        .body
        .iter()
        .flatten()
        .filter(|p| !p.kind.given_as_words())
    {
        if body.contains_key(&property.name) {
            continue;
        }
        let value = match row.value(&property.name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(text)) if text.trim().is_empty() => continue,
            Some(Value::String(text)) => {
                scalar(&property.kind, text).map_err(|e| format!("{}: {e}", property.name))?
            }
            Some(other) => other.clone(),
        };
        body.insert(property.name.clone(), value);
    }
    Ok(())
}

/// Whether the argument exists and was given on the command line (not a default).
pub fn given(matches: &ArgMatches, id: &str) -> bool {
    matches.try_contains_id(id).unwrap_or(false)
        && matches.value_source(id) == Some(ValueSource::CommandLine)
}

/// The value of a property from the words given for it.
fn typed(kind: &Kind, words: &[String]) -> Result<Value, String> {
    match kind {
        Kind::Array(item) => words
            .iter()
            .flat_map(|w| w.split(','))
            .filter(|w| !w.trim().is_empty())
            .map(|w| scalar(item, w.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        _ => scalar(kind, words.last().map(String::as_str).unwrap_or_default()),
    }
}

/// One word as the JSON type the document gives.
pub fn scalar(kind: &Kind, word: &str) -> Result<Value, String> {
    let bad = |what: &str| format!("`{word}` is not {what}");
    match kind {
        Kind::String => Ok(Value::String(word.to_owned())),
        Kind::Integer => word
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| bad("a whole number")),
        Kind::Number => word
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| bad("a number")),
        Kind::Boolean => match word.trim_start_matches('$').to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(bad("true or false")),
        },
        Kind::Enum(values) => values
            .iter()
            .find(|v| squash(v) == squash(word))
            .map(|v| Value::String(v.clone()))
            .ok_or_else(|| bad(&format!("one of {}", values.join(", ")))),
        Kind::Array(item) => typed(&Kind::Array(item.clone()), &[word.to_owned()]),
        Kind::Object(_) | Kind::Other => {
            serde_json::from_str(word).map_err(|e| bad(&format!("JSON ({e})")))
        }
    }
}

/// A piped row as one item of the collection: an object with the item's properties (other columns
/// are left out), or for a list of names the row's user (`user`, `identity`, `username` or `id`).
fn item(kind: &Kind, row: &Row) -> Result<Value, String> {
    let Kind::Array(item) = kind else {
        return Err("not a list".into());
    };
    match &**item {
        Kind::Object(properties) => object(properties, row),
        other => {
            let value = ["user", "identity", "username", "id"]
                .iter()
                .find_map(|name| row.word(name))
                .or_else(|| (row.len() == 1).then(|| row.first_word()).flatten())
                .ok_or("no user, username or id in the row")?;
            scalar(other, &value)
        }
    }
}

fn object(properties: &[Property], row: &Row) -> Result<Value, String> {
    let mut object = Map::new();
    for property in properties {
        let Some(value) = row.value(&property.name) else {
            continue;
        };
        let value = match value {
            Value::String(word) if word.is_empty() => continue,
            Value::String(word) if property.kind != Kind::String => scalar(&property.kind, word)?,
            Value::Null => continue,
            other => other.clone(),
        };
        object.insert(property.name.clone(), value);
    }
    Ok(Value::Object(object))
}
