//! Generates the typed client from the committed OpenAPI document.

use std::path::Path;

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    let text = std::fs::read_to_string(&spec_path).unwrap_or_else(|e| panic!("read {}: {e}", spec_path.display()));
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse openapi.json: {e}"));
    let mut settings = progenitor::GenerationSettings::default();
    settings.with_interface(progenitor::InterfaceStyle::Builder).with_tag(progenitor::TagStyle::Merged);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).unwrap_or_else(|e| panic!("generate the client: {e}"));
    let ast: syn::File = syn::parse2(tokens).unwrap_or_else(|e| panic!("parse the generated client: {e}"));
    let out = Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"))).join("codegen.rs");
    std::fs::write(&out, prettyplease::unparse(&ast)).unwrap_or_else(|e| panic!("write {}: {e}", out.display()));
}
