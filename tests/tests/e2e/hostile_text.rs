//! Arbitrary Unicode (combining marks, right-to-left overrides, NUL, 4-byte characters, very long
//! strings) in every string field of every operation, public ones included: never a server error.
//! The operations and their fields come from the served OpenAPI document, so new ones are covered
//! without touching this test.

use enrolld::auth::scopes::Scope;
use enrolld_tests::TestServer;
use serde_json::{Map, Value, json};

/// Text that has broken servers before.
fn hostile() -> Vec<String> {
    vec![
        "e\u{301}\u{301}\u{301}\u{301}\u{301}".into(),
        "\u{202E}gnp.exe\u{202C}".into(),
        "a\u{0}b".into(),
        "\u{1D41A}\u{1F600}\u{10FFFF}".into(),
        "\u{FEFF}\u{200B}\u{200D}".into(),
        "+ééé@".into(),
        "=1+2".into(),
        "ñ".repeat(3_000),
        "\u{1F469}\u{200D}\u{1F4BB}".repeat(20_000),
    ]
}

/// A value for a path parameter that names something that exists.
fn default_segment(name: &str) -> &'static str {
    match name {
        "user" => "bob",
        "service" => "personal-email",
        "channel" => "email",
        "event" => "identity-verification-code",
        "number" => "1",
        _ => "01a1fd1b-14f4-7703-b148-64086811be84",
    }
}

/// Follows a local `$ref`.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            &spec["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn is_string(schema: &Value) -> bool {
    match &schema["type"] {
        Value::String(t) => t == "string",
        Value::Array(types) => types.iter().any(|t| t == "string"),
        _ => schema["enum"].is_array(),
    }
}

/// One request to send: where, and what replaces the defaults.
struct Probe {
    method: reqwest::Method,
    segments: Vec<String>,
    query: Vec<(String, String)>,
    body: Option<Value>,
}

/// Every probe for one operation: each string path parameter, query parameter and top-level body
/// field in turn gets each hostile text, the rest their defaults (the body its example).
fn probes(spec: &Value, template: &str, method: &str, operation: &Value) -> Vec<Probe> {
    let body_schema = operation["requestBody"]["content"]["application/json"]["schema"].clone();
    let body_schema = resolve(spec, &body_schema).clone();
    let example = body_schema
        .get("example")
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    let base_segments = |replace: Option<(&str, &str)>| -> Vec<String> {
        template
            .split('/')
            .skip(1)
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => match replace {
                        Some((target, value)) if target == name => value.to_owned(),
                        _ => default_segment(name).to_owned(),
                    },
                    None => segment.to_owned(),
                },
            )
            .collect()
    };
    let method: reqwest::Method = method.to_uppercase().parse().unwrap();
    let body = (!body_schema.is_null()).then(|| example.clone());
    let mut found = Vec::new();
    for text in hostile() {
        // The very long texts go into bodies only: an HTTP client refuses such URLs itself.
        let parameters = operation["parameters"]
            .as_array()
            .filter(|_| text.len() <= 10_000);
        for parameter in parameters.into_iter().flatten() {
            let name = parameter["name"].as_str().unwrap_or_default();
            if !is_string(resolve(spec, &parameter["schema"])) {
                continue;
            }
            let (segments, query) = match parameter["in"].as_str() {
                Some("path") => (base_segments(Some((name, &text))), Vec::new()),
                Some("query") => (base_segments(None), vec![(name.to_owned(), text.clone())]),
                _ => continue,
            };
            found.push(Probe {
                method: method.clone(),
                segments,
                query,
                body: body.clone(),
            });
        }
        for (field, schema) in body_schema["properties"].as_object().into_iter().flatten() {
            if !is_string(resolve(spec, schema)) {
                continue;
            }
            let mut body = example.clone();
            body[field] = Value::String(text.clone());
            found.push(Probe {
                method: method.clone(),
                segments: base_segments(None),
                query: Vec::new(),
                body: Some(body),
            });
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_in_every_string_field_never_causes_a_server_error() {
    let server = TestServer::start().await;
    let token = server.token("admin", Scope::ALL);
    server
        .http()
        .post(server.url("/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "bob", "email": "bob@example.com", "phone": "+15551234567"}))
        .send()
        .await
        .unwrap();
    let spec: Value = serde_json::from_str(&server.state.openapi_json).unwrap();
    let mut sent = 0;
    for (template, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for probe in probes(&spec, template, method, operation) {
                let mut url = reqwest::Url::parse(&server.base_url).unwrap();
                url.path_segments_mut().unwrap().extend(&probe.segments);
                let mut request = server
                    .http()
                    .request(probe.method.clone(), url)
                    .bearer_auth(&token)
                    .query(&probe.query);
                if let Some(body) = &probe.body {
                    request = request.json(body);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let id = operation["operationId"].as_str().unwrap_or(template);
                assert!(
                    status < 500,
                    "{id}: {status} {}",
                    response.text().await.unwrap()
                );
                sent += 1;
            }
        }
    }
    assert!(sent > 500, "only {sent} probes");
}
