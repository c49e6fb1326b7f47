//! The request headers several operations take (`Idempotency-Key`, `If-Match`), each documented once
//! under `components.parameters` and referenced by every operation that takes it, and the
//! `Idempotent-Replayed` response header on the answers of those that take a key.

use serde_json::{Map, Value, json};

use super::openapi::StandardProblem;
use crate::error::ErrorCode;

/// A header parameter documented once: its name, its component name, and what it does.
struct Shared {
    name: &'static str,
    component: &'static str,
    description: &'static str,
}

const SHARED: &[Shared] = &[
    Shared {
        name: "Idempotency-Key",
        component: "IdempotencyKey",
        description: "Makes a retried request safe. Send a new unique value (a UUID) with each \
            request that creates something, and the same value when you retry it: a retry with the same \
            key and the same request answers with the first answer (`Idempotent-Replayed: true`) instead \
            of doing the work again. Keys are kept 24 hours, separately for each operator and operation. \
            The same key with a different request is refused with 422 (`idempotency_key_reused`), and \
            while the first request is still running with 409 (`idempotency_in_progress`). A dry run \
            never uses a key.",
    },
    Shared {
        name: "If-Match",
        component: "IfMatch",
        description: "Only carry out the change if the resource still has this `ETag` (from the \
            answer that read or last changed it); otherwise 412 (`precondition_failed`). `*` matches \
            any version. When the server requires it (`require_if_match`), a change without it is \
            refused with 428 (`precondition_required`).",
    },
];

const REPLAYED: &str = "Idempotent-Replayed";

/// Moves the shared header parameters to `components.parameters` and references them.
pub fn share(doc: &mut Value) {
    let mut used: Vec<&Shared> = Vec::new();
    for operation in operations(doc) {
        let mut takes_key = false;
        let parameters = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut);
        for parameter in parameters.into_iter().flatten() {
            let found = SHARED
                .iter()
                .find(|s| parameter["in"] == "header" && parameter["name"] == s.name);
            if let Some(shared) = found {
                *parameter =
                    json!({"$ref": format!("#/components/parameters/{}", shared.component)});
                takes_key |= shared.component == "IdempotencyKey";
                if !used.iter().any(|u| u.component == shared.component) {
                    used.push(shared);
                }
            }
        }
        if takes_key {
            add_replayed_header(operation);
            mention_key_in_conflict(operation);
        }
    }
    let components = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})));
    let Some(Value::Object(components)) = components else {
        return;
    };
    let parameters = components.entry("parameters").or_insert_with(|| json!({}));
    for shared in used {
        parameters[shared.component] = json!({
            "name": shared.name,
            "in": "header",
            "required": false,
            "description": shared.description,
            "schema": {"type": "string"},
        });
    }
}

/// Every operation object of the document.
fn operations(doc: &mut Value) -> impl Iterator<Item = &mut Map<String, Value>> {
    doc.get_mut("paths")
        .and_then(Value::as_object_mut)
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(Value::as_object_mut)
}

/// Documents `Idempotent-Replayed` on the operation's success answers.
fn add_replayed_header(operation: &mut Map<String, Value>) {
    let responses = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut);
    for (status, response) in responses.into_iter().flatten() {
        if !status.starts_with('2') {
            continue;
        }
        let Some(response) = response.as_object_mut() else {
            continue;
        };
        let headers = response.entry("headers").or_insert_with(|| json!({}));
        headers[REPLAYED] = json!({
            "description": "`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`",
            "schema": {"type": "string"},
        });
    }
}

/// Whether an operation takes the shared header `name` (before or after [`share`]).
pub fn takes(operation: &Map<String, Value>, name: &str) -> bool {
    let component = SHARED
        .iter()
        .find(|s| s.name == name)
        .map_or("", |s| s.component);
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter().any(|p| {
                (p["in"] == "header" && p["name"] == name)
                    || p["$ref"]
                        .as_str()
                        .is_some_and(|r| r.ends_with(&format!("/{component}")))
            })
        })
}

/// Makes the operation's own 409 say that a running request with the same key also answers 409.
fn mention_key_in_conflict(operation: &mut Map<String, Value>) {
    let Some(description) = operation
        .get_mut("responses")
        .and_then(|r| r.get_mut("409"))
        .and_then(|r| r.get_mut("description"))
    else {
        return;
    };
    let text = description.as_str().unwrap_or_default();
    if !text.contains("Idempotency-Key") {
        *description = Value::String(format!(
            "{text}; or a request with this `Idempotency-Key` is still running (`idempotency_in_progress`)"
        ));
    }
}

/// The errors an operation can answer with because of a shared header it takes.
pub fn problems(operation: &Map<String, Value>) -> Vec<StandardProblem> {
    let mut problems = Vec::new();
    if takes(operation, "If-Match") {
        problems.push((
            412,
            "The resource changed since the `If-Match` version".into(),
            ErrorCode::PreconditionFailed,
            "the resource has changed since it was read (ETag \"v4\")".into(),
        ));
        problems.push((
            428,
            "The server requires `If-Match` on changes (`require_if_match`) and none was sent"
                .into(),
            ErrorCode::PreconditionRequired,
            "this server requires If-Match on changes: read the resource and send its ETag".into(),
        ));
    }
    if takes(operation, "Idempotency-Key") {
        problems.push((
            409,
            "A request with this `Idempotency-Key` is still running".into(),
            ErrorCode::IdempotencyInProgress,
            "a request with this Idempotency-Key is still running".into(),
        ));
    }
    problems
}
