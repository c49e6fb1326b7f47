//! Generates the typed client from the committed OpenAPI document.

use std::path::Path;

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", spec_path.display()));
    let mut value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse openapi.json: {e}"));
    type_problem_responses(&mut value);
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(value).unwrap_or_else(|e| panic!("read openapi.json: {e}"));
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged);
    // The `cli` feature (enrollctl): progenitor's clap command per operation, whose output hooks need
    // `schemars::JsonSchema` on every type.
    let cli = std::env::var_os("CARGO_FEATURE_CLI").is_some();
    if cli {
        settings.with_derive("schemars::JsonSchema");
    }
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("generate the client: {e}"));
    write_out("codegen.rs", tokens);
    if cli {
        let tokens = progenitor::Generator::new(&settings)
            .cli(&spec, "crate")
            .unwrap_or_else(|e| panic!("generate the command line: {e}"));
        write_out("cli.rs", tokens);
    }
}

fn write_out(name: &str, tokens: proc_macro2::TokenStream) {
    let ast: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| panic!("parse the generated {name}: {e}"));
    let out =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"))).join(name);
    // reqwest's `rustls-no-provider` panics when a client is built before a TLS provider is installed,
    // so the generated `Client::new` takes its builder from `crate::http_builder`, which installs one.
    let code = prettyplease::unparse(&ast)
        .replace("reqwest::ClientBuilder::new()", "crate::http_builder()");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
}

/// progenitor types only `application/json` bodies; error bodies are `application/problem+json` (JSON
/// all the same), so they are read as JSON here to give every call the typed `Problem` error.
fn type_problem_responses(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(content) = map.remove("application/problem+json") {
                map.insert("application/json".into(), content);
            }
            map.values_mut().for_each(type_problem_responses);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(type_problem_responses),
        _ => {}
    }
}
