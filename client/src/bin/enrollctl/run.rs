//! From the command line to calls: which command, which operation, which rows, and what each call
//! came to (printed, and folded into the exit code).

use std::cell::Cell;

use clap::ArgMatches;
use enrolld_client::Client;
use enrolld_client::cli::Cli;
use serde_json::{Value, json};

use crate::call::{self, Capture, Failure, Outcome, Retry};
use crate::confirm::{self, Answer};
use crate::names::Entry;
use crate::output::{self, Printer};
use crate::pipeline::{self, Row};
use crate::spec::Operation;
use crate::{argv, body, exit, profile, progress, raw, tree};

/// One call to make: the operation, its arguments, and the rows that go into its body.
pub struct Planned<'a> {
    pub op: &'a Operation,
    pub matches: ArgMatches,
    pub rows: Vec<Row>,
    /// `row 3` for a call made for a piped row.
    pub label: Option<String>,
}

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

fn gives(given: &[String], long: &str) -> bool {
    let flag = format!("--{long}");
    given
        .iter()
        .any(|o| *o == flag || o.starts_with(&format!("{flag}=")))
}

/// Whether piped rows have something to give: a required parameter or body property not on the
/// command line, or the list that collects rows.
fn wants_rows(entry: &Entry, given: &[String]) -> bool {
    entry.operations().any(|op| {
        let required = op
            .parameters
            .iter()
            .map(|p| &p.property)
            .chain(op.body.iter().flatten());
        let missing = required
            .filter(|p| p.required)
            .any(|p| !gives(given, &p.long));
        missing || op.collection().is_some_and(|c| !gives(given, &c.long))
    })
}

/// For a list/get pair: the get when its path parameters are given (or the row gives them).
fn choose<'a>(entry: &'a Entry, given: &[String], row: Option<&Row>) -> &'a Operation {
    let Some(list) = &entry.list else {
        return &entry.one;
    };
    let from_command_line = |long: &str| gives(given, long);
    let one = match row {
        Some(row) => pipeline::gives_path(&entry.one, from_command_line, row),
        None => entry
            .one
            .path_parameters()
            .all(|p| from_command_line(&p.property.long)),
    };
    if one { &entry.one } else { list }
}

/// The calls: one, one with every row in its body, or one per row; each parsed before any is made,
/// so a usage error in row 900 changes nothing.
fn plan<'a>(entry: &'a Entry, given: &[String], rows: Vec<Row>) -> Result<Vec<Planned<'a>>, u8> {
    let parse = |op: &Operation, argv: &[String], label: Option<String>| {
        let command = tree::for_operation(&entry.name, op);
        command.try_get_matches_from(argv).map_err(|e| {
            if let Some(label) = &label {
                eprintln!("{} ({label}):", entry.name);
            }
            let _ = e.print();
            exit::USAGE
        })
    };
    let op = choose(entry, given, rows.first());
    let collects = op.collection().is_some_and(|c| !gives(given, &c.long));
    if rows.is_empty() || collects {
        let matches = parse(op, given, None)?;
        return Ok(vec![Planned {
            op,
            matches,
            rows,
            label: None,
        }]);
    }
    let mut planned = Vec::new();
    for (i, row) in rows.into_iter().enumerate() {
        let op = choose(entry, given, Some(&row));
        let mut argv = given.to_vec();
        argv.extend(pipeline::bind(op, |long| gives(given, long), &row));
        let label = format!("row {}", i + 1);
        let matches = parse(op, &argv, Some(label.clone()))?;
        planned.push(Planned {
            op,
            matches,
            rows: Vec::new(),
            label: Some(label),
        });
    }
    Ok(planned)
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
        let outcome = execute(context, &call).await;
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

/// The words of the parameters given on the command line, as `--long=value`.
fn parameters(op: &Operation, matches: &ArgMatches) -> Vec<String> {
    op.parameters
        .iter()
        .filter(|p| body::given(matches, &p.property.long))
        .filter_map(|p| {
            let mut raw = matches.try_get_raw(&p.property.long).ok().flatten()?;
            let value = raw.next_back()?.to_string_lossy().into_owned();
            Some(format!("--{}={value}", p.property.long))
        })
        .collect()
}

/// What the change is done to, for `-WhatIf` and `-Confirm`.
fn target(call: &Planned<'_>) -> String {
    let path: Vec<String> = call
        .op
        .path_parameters()
        .filter_map(|p| call.matches.try_get_raw(&p.property.long).ok().flatten())
        .filter_map(|mut raw| raw.next().map(|v| v.to_string_lossy().into_owned()))
        .collect();
    match (path.is_empty(), call.rows.len()) {
        (false, _) => path.join("/"),
        (true, 0) => call.op.path.clone(),
        (true, n) => format!("{n} rows"),
    }
}

/// Asks when `-Confirm` says to, or for a removal on a terminal unless told not to.
fn confirmed(context: &Context, call: &Planned<'_>) -> Result<bool, Failure> {
    if !call.op.previewable() || context.what_if || context.confirm == Some(false) {
        return Ok(true);
    }
    if let Some(all) = context.answered_all.get() {
        return Ok(all);
    }
    let removal = call.op.method == "DELETE" && confirm::terminal();
    if context.confirm != Some(true) && !removal {
        return Ok(true);
    }
    match confirm::ask(&context.name, &target(call)).map_err(Failure::of)? {
        Answer::Yes => Ok(true),
        Answer::No => Ok(false),
        Answer::YesToAll => {
            context.answered_all.set(Some(true));
            Ok(true)
        }
        Answer::NoToAll => {
            context.answered_all.set(Some(false));
            Ok(false)
        }
    }
}

pub async fn execute(context: &Context, call: &Planned<'_>) -> Outcome {
    if call.op.raw {
        return raw::run(&context.client, &call.op.id, &call.matches).await;
    }
    match confirmed(context, call) {
        Ok(true) => {}
        Ok(false) => return Outcome::Declined,
        Err(failure) => return Outcome::Failed(failure),
    }
    let mut args = parameters(call.op, &call.matches);
    if context.what_if {
        args.retain(|a| !a.starts_with("--dry-run"));
        args.push("--dry-run=true".into());
        eprintln!(
            "What if: Performing the operation \"{}\" on target \"{}\".",
            context.name,
            target(call)
        );
    }
    let key_given = args.iter().any(|a| a.starts_with("--idempotency-key="));
    if call.op.keyed() && !context.what_if && !key_given {
        args.push(format!("--idempotency-key={}", uuid::Uuid::new_v4()));
    }
    let _body = match body_file(call) {
        Ok(Some((file, arg))) => {
            args.push(arg);
            Some(file)
        }
        Ok(None) => None,
        Err(problem) => return Outcome::Failed(Failure::of(problem)),
    };
    let spinner =
        (call.rows.len() > 100).then(|| progress::spinner(&format!("{} rows", call.rows.len())));
    let outcome = match wants_pages(&call.matches) {
        Some(first) if call.op.pages() => pages(context, call.op, args, first).await,
        _ => send(context, call.op, &args).await,
    };
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    outcome
}

/// The body in a temporary file for progenitor's `--json-body` (the file the user gave, if any).
fn body_file(
    call: &Planned<'_>,
) -> Result<Option<(Option<tempfile::NamedTempFile>, String)>, String> {
    if call.op.body.is_none() {
        return Ok(None);
    }
    if let Some(path) = call
        .matches
        .try_get_one::<std::path::PathBuf>("json-body")
        .ok()
        .flatten()
    {
        return Ok(Some((None, format!("--json-body={}", path.display()))));
    }
    let body = body::build(call.op, &call.matches, &call.rows)?;
    let file = tempfile::NamedTempFile::new().map_err(|e| format!("a temporary file: {e}"))?;
    serde_json::to_writer(file.as_file(), &body).map_err(|e| format!("a temporary file: {e}"))?;
    let arg = format!("--json-body={}", file.path().display());
    Ok(Some((Some(file), arg)))
}

/// `-First N` (`Some(Some(n))`) or `-All` (`Some(None)`).
fn wants_pages(matches: &ArgMatches) -> Option<Option<u64>> {
    let first = matches.try_get_one::<u64>("first").ok().flatten().copied();
    let all = matches
        .try_get_one::<bool>("all")
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    match (first, all) {
        (Some(n), _) => Some(Some(n)),
        (None, true) => Some(None),
        (None, false) => None,
    }
}

async fn send(context: &Context, op: &Operation, args: &[String]) -> Outcome {
    let Some(command) = tree::cli_command(op) else {
        return Outcome::Failed(Failure::of(format!("{} has no command", op.id)));
    };
    let matches = match tree::generated(op)
        .no_binary_name(true)
        .try_get_matches_from(args)
    {
        Ok(m) => m,
        Err(e) => return Outcome::Failed(Failure::of(e.to_string())),
    };
    let retry = Retry {
        safe: op.method == "GET" || op.keyed(),
        attempts: 4,
    };
    call::send(&context.cli, &context.capture, command, &matches, retry).await
}

/// Follows `next_cursor` until `first` objects (or the last page), as one answer of them all.
async fn pages(
    context: &Context,
    op: &Operation,
    mut args: Vec<String>,
    first: Option<u64>,
) -> Outcome {
    let most = op.parameter("limit").and_then(|p| p.maximum).unwrap_or(100) as u64;
    args.retain(|a| !a.starts_with("--limit") && !a.starts_with("--cursor"));
    let spinner = progress::spinner("0 objects");
    let mut items: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let left = first.map_or(most, |n| n.saturating_sub(items.len() as u64));
        let mut page = args.clone();
        page.push(format!("--limit={}", left.clamp(1, most)));
        page.extend(cursor.take().map(|c| format!("--cursor={c}")));
        let value = match send(context, op, &page).await {
            Outcome::Answer { value, .. } => value,
            other => return other,
        };
        let list = ["items", "entries"]
            .iter()
            .find_map(|k| value[*k].as_array().cloned());
        items.extend(list.unwrap_or_default());
        spinner.set_message(format!("{} objects", items.len()));
        cursor = value["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() || first.is_some_and(|n| items.len() as u64 >= n) {
            break;
        }
    }
    spinner.finish_and_clear();
    items.truncate(first.map_or(usize::MAX, |n| n as usize));
    Outcome::Answer {
        replayed: false,
        value: json!({ "items": items }),
    }
}
