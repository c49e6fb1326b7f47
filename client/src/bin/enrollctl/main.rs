//! `enrollctl`: every operation of the Enrolld API as a PowerShell-style command (`Get-User`,
//! `Add-RegistrationSession -Identity bob -HoursToLive 24 -Force`), built on the generated SDK and
//! progenitor's generated commands. Objects in (JSON lines or CSV on standard input) and out (a table,
//! JSON lines or CSV), `-WhatIf` and `-Confirm` on every change, an `Idempotency-Key` and retries on
//! every create. `enrollctl --help` lists the commands; `enrollctl Get-User -?` explains one.

mod argv;
mod body;
mod call;
mod confirm;
mod execute;
mod exit;
mod names;
mod output;
mod pipeline;
mod plan;
mod profile;
mod progress;
mod raw;
mod run;
mod spec;
mod special;
mod tree;

use std::process::ExitCode;

use names::{Entry, squash};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(dispatch(&args).await)
}

enum Target<'a> {
    Operation(&'a Entry),
    Connect,
    Disconnect,
    Completion,
}

/// The first word that names a command (so options may come before it).
fn find<'a>(entries: &'a [Entry], args: &[String]) -> Option<(usize, Target<'a>)> {
    args.iter().enumerate().find_map(|(at, word)| {
        let word = squash(word);
        let target =
            match word.as_str() {
                w if w == squash(tree::CONNECT) => Target::Connect,
                w if w == squash(tree::DISCONNECT) => Target::Disconnect,
                w if w == squash(tree::COMPLETION) => Target::Completion,
                w => Target::Operation(entries.iter().find(|e| {
                    squash(&e.name) == w || e.operations().any(|o| squash(&o.id) == w)
                })?),
            };
        Some((at, target))
    })
}

async fn dispatch(args: &[String]) -> u8 {
    let entries = names::entries(spec::operations());
    let Some((at, target)) = find(&entries, args) else {
        return top_level(&entries, args);
    };
    let mut rest = args.to_vec();
    rest.remove(at);
    match target {
        Target::Operation(entry) => run::entry(entry, &rest).await,
        Target::Connect => special::connect(&rest).await,
        Target::Disconnect => special::disconnect(&rest),
        Target::Completion => special::completion(&entries, &rest),
    }
}

/// No command: the list of commands, the version, or clap's explanation of the unknown word.
fn top_level(entries: &[Entry], args: &[String]) -> u8 {
    let mut tree = tree::tree(entries);
    if args.is_empty() {
        eprintln!("{}", tree.render_help());
        return exit::USAGE;
    }
    if args.iter().any(|a| matches!(a.as_str(), "-?" | "/?")) {
        output::say(&tree.render_help().to_string());
        return exit::OK;
    }
    let words = std::iter::once("enrollctl".to_owned()).chain(args.iter().cloned());
    match tree.try_get_matches_from_mut(words) {
        Err(e) => {
            let _ = e.print();
            e.exit_code() as u8
        }
        Ok(_) => exit::USAGE,
    }
}
