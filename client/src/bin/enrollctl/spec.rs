//! What the committed OpenAPI document says about each operation: its method, its parameters and the
//! properties of its JSON body, with their types. The command tree, argument spelling, pipeline binding
//! and body building all read it from here, so a new operation needs no hand work.

use serde_json::Value;

static DOCUMENT: &str = include_str!("../../../../openapi/openapi.json");

/// A JSON type as the CLI needs it: how to turn a word typed or piped in into a JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    /// A string with a closed set of values.
    Enum(Vec<String>),
    /// A list; `-Notify email,sms` gives one item per comma-separated word.
    Array(Box<Kind>),
    /// An object with these properties (the items of `Import-User`'s `users`).
    Object(Vec<Property>),
    /// Anything else (free-form JSON): taken as JSON text.
    Other,
}

impl Kind {
    /// Whether typed or piped words give it: a scalar, or a list of scalars (`-Notify email,sms`).
    pub fn given_as_words(&self) -> bool {
        match self {
            Kind::Array(item) => !matches!(**item, Kind::Object(_) | Kind::Other),
            Kind::Object(_) | Kind::Other => false,
            _ => true,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Property {
    /// The JSON name, e.g. `hours_to_live`.
    pub name: String,
    /// The argument's long name, e.g. `hours-to-live` (progenitor's spelling).
    pub long: String,
    pub kind: Kind,
    pub required: bool,
}

#[derive(Clone, Debug)]
pub struct Parameter {
    pub property: Property,
    /// `path`, `query` or `header`.
    pub location: String,
    /// The largest value allowed (for `limit`).
    pub maximum: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub id: String,
    pub method: String,
    pub path: String,
    pub parameters: Vec<Parameter>,
    /// The JSON body's properties, when the operation takes one.
    pub body: Option<Vec<Property>>,
    /// A success answers something other than JSON (a page, an image, CSV or metrics text), which
    /// progenitor's command code does not handle: `raw.rs` does.
    pub raw: bool,
}

impl Operation {
    pub fn parameter(&self, long: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|p| p.property.long == long)
    }

    pub fn has(&self, long: &str) -> bool {
        self.parameter(long).is_some()
    }

    /// Path parameters, in path order.
    pub fn path_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters.iter().filter(|p| p.location == "path")
    }

    /// Changes something (and so can be previewed with `-WhatIf`): takes `dry_run`.
    pub fn previewable(&self) -> bool {
        self.has("dry-run")
    }

    /// Creates something and takes an `Idempotency-Key`.
    pub fn keyed(&self) -> bool {
        self.has("idempotency-key")
    }

    pub fn pages(&self) -> bool {
        self.has("cursor")
    }

    /// The body property that collects piped rows into one call: a list of objects (`Import-User`'s
    /// `users`, `Add-Enrollment`'s `items`) or of names (`New-ProvisioningTask`'s `users`).
    pub fn collection(&self) -> Option<&Property> {
        self.body.iter().flatten().find(|p| match &p.kind {
            Kind::Array(item) => matches!(**item, Kind::Object(_) | Kind::String),
            _ => false,
        })
    }
}

/// The argument spelling progenitor gives a parameter or property: lower case, `-` between words.
pub fn long_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// Every operation in the committed document, in document order.
pub fn operations() -> Vec<Operation> {
    let document: Value = serde_json::from_str(DOCUMENT).unwrap_or(Value::Null);
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op["operationId"].as_str() {
                operations.push(operation(&document, id, method, path, op));
            }
        }
    }
    operations
}

fn operation(document: &Value, id: &str, method: &str, path: &str, op: &Value) -> Operation {
    let parameters = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| parameter(document, resolve(document, p)))
        .collect();
    let body = op["requestBody"]["content"]["application/json"]["schema"]
        .as_object()
        .map(|_| {
            let schema = &op["requestBody"]["content"]["application/json"]["schema"];
            match kind(document, schema, 0) {
                Kind::Object(properties) => properties,
                _ => Vec::new(),
            }
        });
    let raw = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(status, r)| {
            status.starts_with('2')
                && r["content"]
                    .as_object()
                    .is_some_and(|c| c.keys().any(|k| !k.contains("json")))
        });
    Operation {
        id: id.to_owned(),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        parameters,
        body,
        raw,
    }
}

fn parameter(document: &Value, p: &Value) -> Parameter {
    let name = p["name"].as_str().unwrap_or_default();
    Parameter {
        property: Property {
            name: name.to_owned(),
            long: long_name(name),
            kind: kind(document, &p["schema"], 0),
            required: p["required"].as_bool().unwrap_or(false),
        },
        location: p["in"].as_str().unwrap_or_default().to_owned(),
        maximum: p["schema"]["maximum"].as_i64(),
    }
}

/// Follows a `$ref` (and a one-element `allOf`, utoipa's way of describing a referenced type).
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    if let Some(reference) = value["$ref"].as_str() {
        let pointer = reference.trim_start_matches('#');
        return resolve(document, document.pointer(pointer).unwrap_or(&Value::Null));
    }
    match value["allOf"].as_array() {
        Some(all) if all.len() == 1 => resolve(document, &all[0]),
        _ => value,
    }
}

fn kind(document: &Value, schema: &Value, depth: usize) -> Kind {
    let schema = resolve(document, schema);
    if let Some(values) = schema["enum"].as_array() {
        return Kind::Enum(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
        );
    }
    match schema["type"].as_str() {
        Some("string") => Kind::String,
        Some("integer") => Kind::Integer,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("array") => Kind::Array(Box::new(kind(document, &schema["items"], depth + 1))),
        Some("object") if depth < 3 => Kind::Object(properties(document, schema, depth)),
        _ => Kind::Other,
    }
}

fn properties(document: &Value, schema: &Value, depth: usize) -> Vec<Property> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, s)| Property {
            name: name.clone(),
            long: long_name(name),
            kind: kind(document, s, depth + 1),
            required: required.contains(&name.as_str()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parameters_bodies_and_collections_from_the_document() {
        let ops = operations();
        let create = ops.iter().find(|o| o.id == "create_registration_session");
        let create = create.unwrap_or_else(|| panic!("create_registration_session"));
        assert_eq!(create.method, "POST");
        assert!(create.previewable() && create.keyed() && !create.raw);
        let notify = create
            .body
            .iter()
            .flatten()
            .find(|p| p.name == "notify")
            .map(|p| p.kind.clone());
        assert!(matches!(notify, Some(Kind::Array(item)) if matches!(*item, Kind::Enum(_))));
        assert!(create.collection().is_none(), "channels are not rows");
        let import = ops.iter().find(|o| o.id == "import_users");
        let users = import
            .and_then(Operation::collection)
            .map(|p| p.name.clone());
        assert_eq!(users.as_deref(), Some("users"));
        let png = ops
            .iter()
            .find(|o| o.id == "get_registration_session_qr_png");
        assert!(png.is_some_and(|o| o.raw));
        let delete = ops.iter().find(|o| o.id == "delete_user");
        assert!(delete.is_some_and(|o| !o.raw), "204 answers nothing");
    }
}
