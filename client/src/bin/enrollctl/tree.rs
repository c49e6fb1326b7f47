//! The clap commands: progenitor's command for each operation, named `Verb-Noun`, with the options
//! every cmdlet has (`-Format`, `-Property`, `-WhatIf`, `-Confirm`, `-First`, `-All`, ...).

use clap::{Arg, ArgAction, Command};
use enrolld_client::cli::{Cli, CliCommand};

use crate::call::Capture;
use crate::names::Entry;
use crate::spec::{Kind, Operation};

/// progenitor's command enum value for an operation of the document.
pub fn cli_command(op: &Operation) -> Option<CliCommand> {
    CliCommand::iter().find(|c| c.operation_id() == op.id)
}

/// progenitor's own command for the operation: what `Cli::execute` reads its arguments from.
pub fn generated(op: &Operation) -> Command {
    cli_command(op).map_or_else(|| Command::new(""), Cli::<Capture>::get_command)
}

fn has(cmd: &Command, id: &str) -> bool {
    cmd.get_arguments().any(|a| a.get_id() == id)
}

const SPELLING: &str = "Names are case-insensitive and PowerShell's spelling works: -HoursToLive 2, \
-hourstolive:2 and --hours-to-live=2 are one; -Force alone is true, -Force:$false is false. \
-Identity (or -Username) is --user. Objects piped in (JSON lines or CSV with a header) fill in \
parameters by property name.";

/// The command a user types for one operation.
pub fn for_operation(name: &str, op: &Operation) -> Command {
    let mut cmd = generated(op).name(name.to_owned()).no_binary_name(true);
    // progenitor's `about` is the summary and the description: listings show the summary only.
    let about = cmd.get_about().map(ToString::to_string).unwrap_or_default();
    let summary = about.split("\n\n").next().unwrap_or_default().to_owned();
    cmd = cmd
        .about(summary)
        .long_about(about)
        .after_long_help(SPELLING);
    let booleans = op
        .parameters
        .iter()
        .map(|p| &p.property)
        .chain(op.body.iter().flatten())
        .filter(|p| p.kind == Kind::Boolean)
        .map(|p| p.long.clone())
        .filter(|long| has(&cmd, long))
        .collect::<Vec<_>>();
    for long in &booleans {
        // `-Force` alone means true, and `-Force:$false` (normalised to `--force=false`) false.
        cmd = cmd.mut_arg(long, |a| {
            a.num_args(0..=1)
                .default_missing_value("true")
                .require_equals(true)
        });
    }
    if has(&cmd, "user") {
        let username = has(&cmd, "username");
        cmd = cmd.mut_arg("user", |a| {
            let a = a.visible_alias("identity");
            if username { a } else { a.alias("username") }
        });
    }
    if has(&cmd, "json-body") {
        // The body is built from the arguments (and piped rows); a file is one more way, never the only one.
        cmd = cmd
            .mut_arg("json-body", |a| a.required(false))
            .mut_arg("json-body-template", |a| a.hide(true));
    }
    for property in op.body.iter().flatten() {
        if let Kind::Array(item) = &property.kind
            && property.kind.given_as_words()
            && !has(&cmd, &property.long)
        {
            let mut arg = Arg::new(property.long.clone())
                .long(property.long.clone())
                .num_args(1..)
                .value_delimiter(',')
                .action(ArgAction::Append)
                .help(format!(
                    "`{}`: one or more values, separated by commas",
                    property.name
                ));
            if let Kind::Enum(values) = &**item {
                arg = arg.value_parser(values.clone());
            }
            cmd = cmd.arg(arg);
        }
    }
    common_options(cmd, op)
}

fn common_options(mut cmd: Command, op: &Operation) -> Command {
    let mut options = vec![
        Arg::new("format")
            .long("format")
            .value_parser(["table", "json", "csv"])
            .help("Output: a table on a terminal, JSON lines otherwise, or CSV"),
        Arg::new("property")
            .long("property")
            .num_args(1..)
            .value_delimiter(',')
            .action(ArgAction::Append)
            .help("Only these properties, in this order"),
        Arg::new("server")
            .long("server")
            .help("The server's URL (else ENROLLD_URL, else the profile)"),
        Arg::new("token")
            .long("token")
            .help("The bearer token (else ENROLLD_TOKEN, else the profile)"),
    ];
    if op.previewable() {
        options.push(
            Arg::new("what-if")
                .long("what-if")
                .action(ArgAction::SetTrue)
                .help("Show what would happen (the server's dry run) and change nothing"),
        );
        options.push(
            Arg::new("confirm")
                .long("confirm")
                .value_parser(clap::value_parser!(bool))
                .num_args(0..=1)
                .default_missing_value("true")
                .require_equals(true)
                .help("Ask before each change (-Confirm:$false never asks)"),
        );
        options.push(
            Arg::new("yes")
                .long("yes")
                .action(ArgAction::SetTrue)
                .help("Never ask (as -Confirm:$false)"),
        );
    }
    if op.pages() {
        options.push(
            Arg::new("first")
                .long("first")
                .value_parser(clap::value_parser!(u64))
                .help("Follow cursors until this many objects are out"),
        );
        options.push(
            Arg::new("all")
                .long("all")
                .action(ArgAction::SetTrue)
                .help("Follow cursors to the last page"),
        );
    }
    if op.raw {
        options.push(
            Arg::new("out-file")
                .long("out-file")
                .help("Write the answer to this file"),
        );
    }
    for option in options {
        if !has(&cmd, option.get_id().as_str()) {
            cmd = cmd.arg(option);
        }
    }
    cmd
}

/// The command for a name: one operation's, or for a list/get pair the get's arguments (optional)
/// with the list's, for help, completions and argument spelling.
pub fn for_entry(entry: &Entry) -> Command {
    let mut cmd = for_operation(&entry.name, &entry.one);
    let Some(list) = &entry.list else {
        return cmd.alias(entry.one.id.clone());
    };
    for p in entry.one.path_parameters() {
        cmd = cmd.mut_arg(&p.property.long, |a| a.required(false));
    }
    let listing = for_operation(&entry.name, list);
    let one_about = cmd
        .get_long_about()
        .map(ToString::to_string)
        .unwrap_or_default();
    let list_about = listing
        .get_long_about()
        .map(ToString::to_string)
        .unwrap_or_default();
    let summary = listing
        .get_about()
        .map(ToString::to_string)
        .unwrap_or_default();
    let path: Vec<String> = entry
        .one
        .path_parameters()
        .map(|p| format!("-{}", p.property.long))
        .collect();
    for arg in listing.get_arguments() {
        let id = arg.get_id().as_str();
        if !has(&cmd, id) {
            cmd = cmd.arg(arg.clone().required(false));
            continue;
        }
        // Both take it (`-Status`) with their own values: spelling and help know them all.
        let mut values: Vec<String> = Vec::new();
        for a in cmd
            .get_arguments()
            .filter(|a| a.get_id() == id)
            .chain([arg])
        {
            for value in a.get_possible_values() {
                if !values.iter().any(|v| v == value.get_name()) {
                    values.push(value.get_name().to_owned());
                }
            }
        }
        if !values.is_empty() {
            cmd = cmd.mut_arg(id, |a| a.value_parser(values));
        }
    }
    cmd.alias(entry.one.id.clone())
        .alias(list.id.clone())
        .about(summary)
        .long_about(format!(
            "{list_about}\n\nWith {}: {one_about}",
            path.join(" ")
        ))
}

/// Commands that are not operations.
pub const CONNECT: &str = "Connect-Enrolld";
pub const DISCONNECT: &str = "Disconnect-Enrolld";
pub const COMPLETION: &str = "completion";

pub fn connect() -> Command {
    Command::new(CONNECT)
        .no_binary_name(true)
        .about("Save the server and token for later commands (a profile only you can read)")
        .arg(
            Arg::new("server")
                .long("server")
                .required(true)
                .help("The server's URL"),
        )
        .arg(
            Arg::new("token")
                .long("token")
                .help("The bearer token (else read from standard input)"),
        )
}

pub fn disconnect() -> Command {
    Command::new(DISCONNECT)
        .no_binary_name(true)
        .about("Forget the saved server and token")
}

pub fn completion() -> Command {
    Command::new(COMPLETION)
        .no_binary_name(true)
        .about("Print a completion script: bash, zsh, fish or powershell")
        .arg(
            Arg::new("shell")
                .required(true)
                .value_parser(clap::value_parser!(clap_complete::Shell)),
        )
}

/// Every command, for the top-level help and for completions.
pub fn tree(entries: &[Entry]) -> Command {
    Command::new("enrollctl")
        .about(
            "The Enrolld API as PowerShell-style commands: Verb-Noun, objects in and out, -WhatIf",
        )
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .subcommands(entries.iter().map(for_entry))
        .subcommand(connect().no_binary_name(false))
        .subcommand(disconnect().no_binary_name(false))
        .subcommand(completion().no_binary_name(false))
}

#[cfg(test)]
mod tests {
    #[test]
    fn progenitor_generated_a_command_for_every_operation_and_the_tree_is_valid() {
        let operations = crate::spec::operations();
        for op in &operations {
            assert!(super::cli_command(op).is_some(), "{}", op.id);
        }
        super::tree(&crate::names::entries(operations)).debug_assert();
    }
}
