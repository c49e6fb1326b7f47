//! Objects out: JSON lines when standard output is not a terminal, a table when it is, CSV with
//! `-Format Csv`; `-Property a,b` keeps those properties in that order. Problems go to standard error.

use std::io::{IsTerminal, Write};

use serde_json::{Map, Value};

use crate::names::squash;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Debug)]
pub struct Printer {
    pub format: Format,
    /// JSON on a terminal is indented; elsewhere it is one object per line.
    pub pretty: bool,
    /// `-Format Json` said: problems are printed whole.
    pub whole_problems: bool,
    pub properties: Option<Vec<String>>,
}

impl Printer {
    pub fn new(format: Option<&str>, properties: Option<Vec<String>>) -> Self {
        let terminal = std::io::stdout().is_terminal();
        let whole = format == Some("json");
        let format = match format {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some(_) => Format::Table,
            None if terminal => Format::Table,
            None => Format::Json,
        };
        Printer {
            format,
            pretty: format == Format::Json && terminal,
            whole_problems: whole,
            properties,
        }
    }

    /// Prints the objects; `listed` says they came from a list (a table has a row for each) rather than
    /// being one answer (shown as `name : value` lines).
    pub fn print(&self, objects: &[Value], listed: bool) -> std::io::Result<()> {
        let objects: Vec<Value> = objects.iter().map(|o| self.select(o)).collect();
        let mut out = std::io::stdout().lock();
        match self.format {
            Format::Json => {
                for object in &objects {
                    let text = match self.pretty {
                        true => serde_json::to_string_pretty(object),
                        false => serde_json::to_string(object),
                    };
                    writeln!(out, "{}", text.unwrap_or_default())?;
                }
            }
            Format::Csv => csv(&mut out, &objects, &self.columns(&objects))?,
            Format::Table if listed || objects.len() != 1 => {
                table(&mut out, &objects, &self.columns(&objects))?
            }
            Format::Table => list(&mut out, &objects[0])?,
        }
        out.flush()
    }

    fn select(&self, object: &Value) -> Value {
        let (Some(properties), Value::Object(map)) = (&self.properties, object) else {
            return object.clone();
        };
        let mut selected = Map::new();
        for wanted in properties {
            let found = map.iter().find(|(k, _)| squash(k) == squash(wanted));
            let (key, value) = found.map_or((wanted.clone(), Value::Null), |(k, v)| {
                (k.clone(), v.clone())
            });
            selected.insert(key, value);
        }
        Value::Object(selected)
    }

    fn columns(&self, objects: &[Value]) -> Vec<String> {
        if let Some(properties) = &self.properties {
            // In the order asked for, spelled as the objects spell them.
            let keys = objects
                .iter()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys());
            let keys: Vec<&String> = keys.collect();
            return properties
                .iter()
                .map(|p| {
                    keys.iter()
                        .find(|k| squash(k) == squash(p))
                        .map_or(p.clone(), |k| (*k).clone())
                })
                .collect();
        }
        let mut columns: Vec<String> = Vec::new();
        for object in objects {
            for (key, value) in object.as_object().into_iter().flatten() {
                let shown =
                    self.properties.is_some() || self.format == Format::Csv || !nested(value);
                if shown && !columns.contains(key) {
                    columns.push(key.clone());
                }
            }
        }
        // What names an object first (JSON objects come with their keys sorted).
        columns.sort_by_key(|c| FIRST.iter().position(|f| f == c).unwrap_or(FIRST.len()));
        columns
    }
}

const FIRST: &[&str] = &[
    "number", "username", "name", "service", "user", "id", "status", "state",
];

fn nested(value: &Value) -> bool {
    matches!(value, Value::Array(_) | Value::Object(_))
}

/// A value as one cell: strings bare, nothing for null, JSON for the rest.
fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv(out: &mut impl Write, objects: &[Value], columns: &[String]) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(columns)?;
    for object in objects {
        writer.write_record(columns.iter().map(|c| cell(object.get(c))))?;
    }
    writer.flush()
}

const WIDEST: usize = 40;

fn clip(text: &str) -> String {
    let text = text.replace('\n', " ");
    match text.chars().count() > WIDEST {
        true => format!("{}…", text.chars().take(WIDEST - 1).collect::<String>()),
        false => text,
    }
}

fn table(out: &mut impl Write, objects: &[Value], columns: &[String]) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = objects
        .iter()
        .map(|o| columns.iter().map(|c| clip(&cell(o.get(c)))).collect())
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([c.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    writeln!(out, "{}", line(columns.to_vec()))?;
    writeln!(
        out,
        "{}",
        line(widths.iter().map(|w| "-".repeat(*w)).collect())
    )?;
    for row in rows {
        writeln!(out, "{}", line(row))?;
    }
    Ok(())
}

fn list(out: &mut impl Write, object: &Value) -> std::io::Result<()> {
    let Value::Object(map) = object else {
        return writeln!(out, "{}", cell(Some(object)));
    };
    let width = map.keys().map(String::len).max().unwrap_or(0);
    for (key, value) in map {
        writeln!(out, "{key:<width$} : {}", clip(&cell(Some(value))))?;
    }
    Ok(())
}

/// A problem on standard error: its title and detail (and the fields it names), or the whole problem
/// with `-Format Json`.
pub fn problem(printer: &Printer, command: &str, failure: &crate::call::Failure) {
    let Some(problem) = &failure.problem else {
        eprintln!("{command}: {}", failure.message);
        return;
    };
    if printer.whole_problems {
        eprintln!("{}", serde_json::to_string(problem).unwrap_or_default());
        return;
    }
    let title = problem["title"].as_str().unwrap_or("Failed");
    match problem["detail"].as_str() {
        Some(detail) => eprintln!("{command}: {title}: {detail}"),
        None => eprintln!("{command}: {title}"),
    }
    for error in problem["errors"].as_array().into_iter().flatten() {
        let field = error["field"]
            .as_str()
            .or(error["pointer"].as_str())
            .unwrap_or("");
        let message = error["message"]
            .as_str()
            .or(error["detail"].as_str())
            .unwrap_or("");
        eprintln!("  {field}: {message}");
    }
}

/// Text on standard output; a closed pipe (`| head`) is not an error.
pub fn say(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}
