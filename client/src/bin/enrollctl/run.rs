//! From the command line to calls: which command, which operation, which rows, and what each call
//! came to (printed, and folded into the exit code).

use std::cell::Cell;

use clap::ArgMatches;
use enrolld_client::Client;
use enrolld_client::cli::Cli;
use serde_json::Value;

use crate::call::{Capture, Failure, Outcome};
use crate::names::Entry;
use crate::output::{self, Printer};
use crate::plan::{Planned, plan, wants_rows};
use crate::{argv, execute, exit, pipeline, profile, progress, tree};

/// What the calls share.
pub struct Context {
    pub name: String,
    pub client: Client,
    pub cli: Cli<Capture>,
    pub capture: Capture,
    pub printer: Printer,
    pub what_if: bool,
    /// `-Confirm` given (`Some(true)`), refused (`Some(false)`, `--yes`), or not said.
    pub confirm: Option<bool>,
    /// An earlier "Yes to All" (`Some(true)`) or "No to All" (`Some(false)`).
    pub answered_all: Cell<Option<bool>>,
}

pub async fn entry(entry: &Entry, args: &[String]) -> u8 {
    let combined = tree::for_entry(entry);
    let mut normalised = argv::normalise(&combined, args);
    if normalised.help {
        crate::output::say(&combined.clone().render_long_help().to_string());
        return exit::OK;
    }
    let free: Vec<String> = entry
        .one
        .path_parameters()
        .map(|p| p.property.long.clone())
        .filter(|long| !normalised.gives(long))
        .collect();
    if normalised.positionals.len() > free.len() {
        eprintln!(
            "{}: unexpected `{}`",
            entry.name,
            normalised.positionals[free.len()]
        );
        return exit::USAGE;
    }
    for (long, value) in free.iter().zip(std::mem::take(&mut normalised.positionals)) {
        normalised.options.push(format!("--{long}={value}"));
    }
    let given = normalised.options;
    let rows = match pipeline::piped() && wants_rows(entry, &given) {
        true => match pipeline::read() {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("{}: {e}", entry.name);
                return exit::USAGE;
            }
        },
        false => Vec::new(),
    };
    let planned = match plan(entry, &given, rows) {
        Ok(planned) => planned,
        Err(code) => return code,
    };
    let Some(context) = context(&entry.name, &planned[0].matches) else {
        return exit::USAGE;
    };
    run_all(&context, planned).await
}

fn context(name: &str, matches: &ArgMatches) -> Option<Context> {
    let text = |id: &str| matches.try_get_one::<String>(id).ok().flatten();
    let flag = |id: &str| matches.try_get_one::<bool>(id).ok().flatten().copied();
    let connection = profile::resolve(text("server"), text("token"));
    let client = match &connection.token {
        Some(token) => Client::with_token(&connection.server, token).ok(),
        None => Some(Client::new(&connection.server)),
    };
    let Some(client) = client else {
        eprintln!("{name}: the token cannot be sent in a header (it has control characters)");
        return None;
    };
    let properties = matches.try_get_many::<String>("property").ok().flatten();
    let capture = Capture::default();
    Some(Context {
        name: name.to_owned(),
        cli: Cli::new(client.clone(), capture.clone()),
        client,
        capture,
        printer: Printer::new(
            text("format").map(String::as_str),
            properties.map(|p| p.cloned().collect()),
        ),
        what_if: flag("what-if").unwrap_or(false),
        confirm: match flag("yes") {
            Some(true) => Some(false),
            _ => flag("confirm"),
        },
        answered_all: Cell::new(None),
    })
}

async fn run_all(context: &Context, planned: Vec<Planned<'_>>) -> u8 {
    let bar = (planned.len() > 1).then(|| progress::bar(planned.len() as u64, &context.name));
    let mut codes = Vec::new();
    let mut objects = Vec::new();
    let mut listed = planned.len() > 1;
    for call in planned {
        let outcome = execute::execute(context, &call).await;
        codes.push(exit::of(&outcome));
        match outcome {
            Outcome::Answer {
                value, replayed, ..
            } => {
                if replayed {
                    eprintln!(
                        "{}: the answer of an earlier identical request (its Idempotency-Key): nothing was done again",
                        context.name
                    );
                }
                failed_items(&context.name, &value);
                if value.get("next_cursor").is_some_and(|c| !c.is_null()) {
                    eprintln!(
                        "{}: there is more than this page: -All (or -First N) follows the cursor",
                        context.name
                    );
                }
                let (items, is_list) = items_of(value);
                listed |= is_list;
                objects.extend(items);
            }
            Outcome::Failed(failure) => report(context, call.label.as_deref(), &failure),
            Outcome::Done | Outcome::Declined => {}
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if !objects.is_empty()
        && let Err(e) = context.printer.print(&objects, listed)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("{}: {e}", context.name);
        return exit::FAILED;
    }
    exit::fold(&codes)
}

/// The failed items of a bulk answer, on standard error (the answer itself goes to standard output).
fn failed_items(name: &str, value: &Value) {
    let results = value["results"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] == "error").collect();
    if failed.is_empty() {
        return;
    }
    eprintln!(
        "{name}: {} of {} items failed:",
        failed.len(),
        results.len()
    );
    for item in failed {
        eprintln!("  {item}");
    }
}

fn report(context: &Context, label: Option<&str>, failure: &Failure) {
    let name = match label {
        Some(label) => format!("{} ({label})", context.name),
        None => context.name.clone(),
    };
    output::problem(&context.printer, &name, failure);
}

/// A page's objects (`items`, or the one list beside `next_cursor`), else the answer itself.
fn items_of(value: Value) -> (Vec<Value>, bool) {
    match value {
        Value::Object(mut map) if map.get("items").is_some_and(Value::is_array) => {
            match map.remove("items") {
                Some(Value::Array(items)) => (items, true),
                _ => (Vec::new(), true),
            }
        }
        other => (vec![other], false),
    }
}
