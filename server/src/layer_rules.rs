//! Structure rules, checked on the source: the layer rule (`db` knows diesel and its own types only;
//! `service`, `model` and `delivery` know nothing of HTTP or of the API layer, ARCHITECTURE.md) and
//! short functions.

use std::path::{Path, PathBuf};

/// Paths a layer must not name, with why.
const NO_HTTP: &[(&str, &str)] = &[
    ("actix_web", "HTTP belongs to api/"),
    ("crate::api", "the API layer sits above"),
    (
        "crate::server",
        "the server starts the layers, they do not call it",
    ),
    ("crate::cli", "the command line sits above"),
    (
        "crate::background",
        "background loops call services, not the reverse",
    ),
];

/// The `crate::` modules `db` may name.
const DB_MAY_USE: &[&str] = &["crate::db", "crate::on_backend", "crate::states"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The code lines (comments dropped) of a file that break the rule for its layer.
fn breaches(layer: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (path, why) in NO_HTTP {
            if code.contains(path) {
                found.push(format!("line {}: names {path} ({why})", number + 1));
            }
        }
        if layer == "db" {
            for (at, _) in code.match_indices("crate::") {
                let named = &code[at..];
                if !DB_MAY_USE.iter().any(|allowed| named.starts_with(allowed)) {
                    found.push(format!(
                        "line {}: db names {} (db uses diesel and its own types)",
                        number + 1,
                        named
                            .split(['(', ';', ' ', ',', '}', '{'])
                            .next()
                            .unwrap_or(named)
                    ));
                }
            }
        }
    }
    found
}

#[test]
fn lower_layers_know_nothing_of_the_layers_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut report = Vec::new();
    for layer in ["db", "service", "model", "delivery", "sources"] {
        for file in rust_files(&src.join(layer)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for breach in breaches(layer, &text) {
                report.push(format!("{}: {breach}", file.display()));
            }
        }
    }
    assert!(
        report.is_empty(),
        "layer rule broken:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_check_sees_a_breach() {
    assert_eq!(
        breaches("service", "use actix_web::web;\n// actix_web in a comment").len(),
        1
    );
    assert_eq!(breaches("db", "use crate::config::Config;").len(), 1);
    assert!(breaches("db", "use crate::db::DbConn; crate::on_backend!(x)").is_empty());
    assert!(breaches("model", "use crate::api::state::AppState;").len() == 1);
}

/// The longest function body allowed, in lines (STYLE.md: a function over ~80 lines is two).
const MAX_FUNCTION_LINES: usize = 80;

/// The longest test function allowed (issue 9: a test reads like the workflow, in named steps).
const MAX_TEST_LINES: usize = 120;

/// The functions of a file longer than `max` lines: (name, lines). A function runs from its `fn`
/// line to the first `}` at the same indentation.
fn long_functions(text: &str, max: usize) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let Some(at) = trimmed.find("fn ") else {
            continue;
        };
        let head = &trimmed[..at];
        if !head
            .split_whitespace()
            .all(|w| ["pub", "async", "const"].contains(&w) || w.starts_with("pub("))
        {
            continue;
        }
        let close = format!("{}}}", " ".repeat(indent));
        let end = lines[start + 1..]
            .iter()
            .position(|l| l.starts_with(&close) && l.len() - l.trim_start().len() == indent);
        if let Some(end) = end
            && end + 2 > max
        {
            let name = trimmed[at + 3..]
                .split(['(', '<'])
                .next()
                .unwrap_or_default();
            found.push((name.to_owned(), end + 2));
        }
    }
    found
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/src");
    let mut report = Vec::new();
    for file in rust_files(&src).into_iter().chain(rust_files(&client)) {
        let text = std::fs::read_to_string(&file).unwrap();
        for (name, lines) in long_functions(&text, MAX_FUNCTION_LINES) {
            report.push(format!("{}: fn {name} has {lines} lines", file.display()));
        }
    }
    assert!(report.is_empty(), "split these:\n{}", report.join("\n"));
}

#[test]
fn no_test_function_is_longer_than_120_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut report = Vec::new();
    for dir in ["tests/tests", "tests/src", "server/tests", "client/tests"] {
        for file in rust_files(&root.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (name, lines) in long_functions(&text, MAX_TEST_LINES) {
                report.push(format!("{}: fn {name} has {lines} lines", file.display()));
            }
        }
    }
    assert!(
        report.is_empty(),
        "split into named steps:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_length_check_sees_a_long_function() {
    let long = format!("pub fn long() {{\n{}}}\n", "    step();\n".repeat(80));
    assert_eq!(
        long_functions(&long, MAX_FUNCTION_LINES),
        [("long".to_owned(), 82)]
    );
    assert!(long_functions(&long, MAX_TEST_LINES).is_empty());
    assert!(long_functions("fn short() {\n    step();\n}\n", MAX_FUNCTION_LINES).is_empty());
}
