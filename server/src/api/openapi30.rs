//! Down-converts the OpenAPI 3.1 document utoipa writes into the 3.0.3 form progenitor reads
//! (see STACK.md). Only schema positions are rewritten; examples are data and are left alone.

use serde_json::{Map, Value, json};

/// Rewrites a 3.1 document into 3.0.3 in place.
pub fn convert(doc: &mut Value) {
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            convert_schema(schema);
        }
    }
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            convert_response(response);
        }
    }
    let Some(root) = doc.as_object_mut() else {
        return;
    };
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.remove("summary");
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut) {
            license.remove("identifier");
        }
    }
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            convert_parameters(item.get_mut("parameters"));
            for (key, operation) in item.iter_mut() {
                if key == "parameters" {
                    continue;
                }
                convert_operation(operation);
            }
        }
    }
}

fn convert_operation(operation: &mut Value) {
    let Some(operation) = operation.as_object_mut() else {
        return;
    };
    convert_parameters(operation.get_mut("parameters"));
    if let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        for media in content.values_mut() {
            convert_media(media);
        }
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            convert_response(response);
        }
    }
}

fn convert_parameters(parameters: Option<&mut Value>) {
    for parameter in parameters
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        if let Some(schema) = parameter.get_mut("schema") {
            convert_schema(schema);
            // A parameter is absent or has a value; it is never null.
            if let Some(schema) = schema.as_object_mut() {
                schema.remove("nullable");
            }
        }
    }
}

fn convert_response(response: &mut Value) {
    let Some(response) = response.as_object_mut() else {
        return;
    };
    if !response.contains_key("$ref") && !response.contains_key("description") {
        response.insert("description".into(), json!(""));
    }
    if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            convert_media(media);
        }
    }
    if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
        for header in headers.values_mut() {
            if let Some(schema) = header.get_mut("schema") {
                convert_schema(schema);
            }
        }
    }
}

fn convert_media(media: &mut Value) {
    if let Some(schema) = media.get_mut("schema") {
        convert_schema(schema);
    }
}

const DROPPED_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "unevaluatedProperties",
    "unevaluatedItems",
    "propertyNames",
    "dependentRequired",
    "dependentSchemas",
    "prefixItems",
    "contains",
    "minContains",
    "maxContains",
    "if",
    "then",
    "else",
    "contentEncoding",
    "contentSchema",
];

/// Rewrites one schema (and its subschemas).
fn convert_schema(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    nullable_unions(object);
    convert_subschemas(object);
    convert_keywords(object);
    // `$ref` may not have siblings in 3.0: wrap it.
    if object.contains_key("$ref") && object.len() > 1 {
        let reference = object.remove("$ref").unwrap_or(Value::Null);
        let mut wrapper = Map::new();
        wrapper.insert("$ref".into(), reference);
        object.insert("allOf".into(), json!([Value::Object(wrapper)]));
    }
}

/// `oneOf/anyOf: [X, {type: null}]` → X's keywords (a `$ref` wrapped in `allOf`) with `nullable: true`.
fn nullable_unions(object: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(variants)) = object.get(key).cloned() else {
            continue;
        };
        let non_null: Vec<Value> = variants
            .iter()
            .filter(|v| !is_null_schema(v))
            .cloned()
            .collect();
        if non_null.len() == variants.len() {
            continue;
        }
        object.insert("nullable".into(), json!(true));
        object.remove(key);
        match non_null.as_slice() {
            [Value::Object(single)] => {
                for (k, v) in single {
                    if k == "$ref" {
                        object.insert("allOf".into(), json!([{"$ref": v}]));
                    } else {
                        object.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
            [] => {}
            _ => {
                object.insert(key.into(), Value::Array(non_null));
            }
        }
    }
}

/// Converts the schemas inside this one.
fn convert_subschemas(object: &mut Map<String, Value>) {
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        for property in properties.values_mut() {
            convert_schema(property);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(sub) = object.get_mut(key) {
            convert_schema(sub);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for sub in object
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            convert_schema(sub);
        }
    }
}

/// 3.1 keywords said the 3.0 way: `type: [T, "null"]`, `const`, `examples`, numeric exclusive
/// bounds, `contentMediaType`, and the keywords 3.0 does not have.
fn convert_keywords(object: &mut Map<String, Value>) {
    // `type: [T, "null"]` → `type: T, nullable: true`.
    if let Some(Value::Array(types)) = object.get("type").cloned() {
        let non_null: Vec<Value> = types
            .iter()
            .filter(|t| t.as_str() != Some("null"))
            .cloned()
            .collect();
        if non_null.len() < types.len() {
            object.insert("nullable".into(), json!(true));
        }
        match non_null.as_slice() {
            [single] => {
                object.insert("type".into(), single.clone());
            }
            _ => {
                object.remove("type");
            }
        }
    }

    if let Some(constant) = object.remove("const") {
        object.insert("enum".into(), json!([constant]));
    }
    if let Some(Value::Array(mut examples)) = object.remove("examples")
        && !examples.is_empty()
        && !object.contains_key("example")
    {
        object.insert("example".into(), examples.swap_remove(0));
    }
    for (bound, flag) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(value) = object.get(bound).filter(|v| v.is_number()).cloned() {
            object.insert(flag.into(), value);
            object.insert(bound.into(), json!(true));
        }
    }
    if let Some(media_type) = object.remove("contentMediaType")
        && object.get("type").and_then(Value::as_str) == Some("string")
        && media_type.as_str() != Some("application/json")
    {
        object.insert("format".into(), json!("binary"));
    }
    for keyword in DROPPED_KEYWORDS {
        object.remove(*keyword);
    }
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn converts_the_3_1_constructs_progenitor_cannot_read() {
        let mut doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1", "license": {"name": "x", "identifier": "MIT"}},
            "paths": {},
            "components": {"schemas": {"S": {
                "type": "object",
                "properties": {
                    "a": {"type": ["string", "null"], "examples": ["x"]},
                    "b": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/T"}]},
                    "c": {"$ref": "#/components/schemas/T", "description": "d"},
                    "d": {"const": "only"},
                    "e": {"type": "integer", "exclusiveMinimum": 0}
                }
            }}}
        });
        convert(&mut doc);
        assert_eq!(doc["openapi"], "3.0.3");
        assert!(doc["info"]["license"].get("identifier").is_none());
        let p = &doc["components"]["schemas"]["S"]["properties"];
        assert_eq!(
            p["a"],
            json!({"type": "string", "nullable": true, "example": "x"})
        );
        assert_eq!(
            p["b"],
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "nullable": true})
        );
        assert_eq!(
            p["c"],
            json!({"allOf": [{"$ref": "#/components/schemas/T"}], "description": "d"})
        );
        assert_eq!(p["d"], json!({"enum": ["only"]}));
        assert_eq!(
            p["e"],
            json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true})
        );
    }
}
