//! One planned call: confirmation, `-WhatIf`, the `Idempotency-Key`, the body, and pages.

use clap::ArgMatches;
use serde_json::{Value, json};

use crate::call::{self, Failure, Outcome, Retry};
use crate::confirm::{self, Answer};
use crate::plan::Planned;
use crate::run::Context;
use crate::spec::Operation;
use crate::{body, progress, raw, tree};

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
    let removal =
        (call.op.method == "DELETE" || context.name.starts_with("Remove-")) && confirm::terminal();
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
    // A key given for many piped rows: one key per row (`KEY-3`), so re-running the script replays each.
    if let (Some(row), true) = (&call.label, key_given) {
        for arg in args
            .iter_mut()
            .filter(|a| a.starts_with("--idempotency-key="))
        {
            arg.push_str(&format!("-{}", row.trim_start_matches("row ")));
        }
    }
    if call.op.keyed() && !context.what_if && !key_given {
        args.push(format!("--idempotency-key={}", uuid::Uuid::new_v4()));
    }
    let _body = match body_file(call) {
        Ok(Some((file, arg))) => {
            args.push(arg);
            Some(file)
        }
        Ok(None) => None,
        Err(problem) => return Outcome::Failed(Failure::usage(problem)),
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
