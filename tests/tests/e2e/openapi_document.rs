use serde_json::Value;

const REWRITE: &str = "cargo run -p enrolld -- openapi > openapi/openapi.json";

fn committed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap()
}

#[test]
fn the_committed_document_is_up_to_date() {
    let generated = enrolld::api::openapi::document_text();
    assert!(
        generated == committed(),
        "openapi/openapi.json differs from what the code generates; rewrite it with:\n    {REWRITE}\n"
    );
}

fn is_verb_noun(id: &str) -> bool {
    let words: Vec<&str> = id.split('_').collect();
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
}

#[test]
fn every_operation_is_fully_documented() {
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    assert!(doc["info"]["description"].as_str().unwrap().len() > 500);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(is_verb_noun(id), "{id} is not snake_case verb_noun");
            assert_eq!(op["tags"].as_array().map(Vec::len), Some(1), "{id} tag");
            assert!(
                !op["summary"].as_str().unwrap_or_default().is_empty(),
                "{id} summary"
            );
            assert!(
                op["description"].as_str().unwrap_or_default().len() > 20,
                "{id} description"
            );
            if path.starts_with("/v1/app/") || path.starts_with("/v1/self-enrollment/") {
                assert!(
                    op.get("security").is_none(),
                    "{id}: the app's endpoints are public"
                );
                assert_eq!(op["tags"][0], "app");
            } else if path.starts_with("/v1/join/") {
                assert!(
                    op.get("security").is_none(),
                    "{id}: the petitioner's steps are public"
                );
                assert_eq!(op["tags"][0], "join");
            } else if path.starts_with("/v1/") {
                let scopes = &op["security"][0]["bearer"];
                assert!(
                    scopes.as_array().is_some_and(|s| !s.is_empty()),
                    "{id} security"
                );
                for status in ["401", "403", "500"] {
                    assert!(op["responses"].get(status).is_some(), "{id} lacks {status}");
                }
            }
            if let Some(body) = op.get("requestBody") {
                let media = &body["content"]["application/json"];
                let schema_ref = media["schema"]["$ref"].as_str().unwrap();
                let name = schema_ref.rsplit('/').next().unwrap();
                let has_example = media.get("example").is_some()
                    || doc["components"]["schemas"][name].get("example").is_some();
                assert!(has_example, "{id} request body has no example");
                for status in ["400", "413", "415", "422"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} lacks {status}"
                    );
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(
                    !response["description"]
                        .as_str()
                        .unwrap_or_default()
                        .is_empty(),
                    "{id} {status}"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                    assert_eq!(schema, "#/components/schemas/Problem", "{id} {status}");
                }
            }
        }
    }
    let mut properties = 0;
    let mut described = 0;
    for schema in doc["components"]["schemas"].as_object().unwrap().values() {
        for property in schema["properties"]
            .as_object()
            .into_iter()
            .flat_map(|p| p.values())
        {
            properties += 1;
            if property.get("description").is_some() {
                described += 1;
            }
        }
    }
    assert!(
        described * 10 >= properties * 9,
        "{described} of {properties} properties are described"
    );
}
