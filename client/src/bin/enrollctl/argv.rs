//! PowerShell spelling to clap's: `-HoursToLive 2`, `-hourstolive:2`, `--hours_to_live=2` all become
//! `--hours-to-live=2`; `-Force` stays a switch and `-Force:$false` becomes `--force=false`; enum values
//! match whatever their case; `$true`/`$false` become `true`/`false`. Names are compared as
//! [`squash`] does, against the command's arguments and their aliases.

use clap::{ArgAction, Command};

use crate::names::squash;

struct Spelling {
    long: String,
    names: Vec<String>,
    switch: bool,
    optional_value: bool,
    values: Vec<String>,
}

fn spellings(cmd: &Command) -> Vec<Spelling> {
    cmd.get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?.to_owned();
            let mut names = vec![squash(&long)];
            names.extend(arg.get_all_aliases().into_iter().flatten().map(squash));
            let switch = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
            let optional_value = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
            let values = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            Some(Spelling {
                long,
                names,
                switch,
                optional_value,
                values,
            })
        })
        .collect()
}

/// What the user typed after the command name, in clap's spelling.
#[derive(Debug, Default, PartialEq)]
pub struct Normalised {
    /// `--long=value` and `--switch` tokens (and anything not recognised, left for clap to explain).
    pub options: Vec<String>,
    /// Bare words: the `-Identity` of `Get-User bob`, bound to path parameters in order.
    pub positionals: Vec<String>,
    pub help: bool,
}

impl Normalised {
    /// Whether `--long` was given.
    pub fn gives(&self, long: &str) -> bool {
        gives(&self.options, long)
    }
}

/// Whether normalised options (`--long`, `--long=value`) give `--long`.
pub fn gives(options: &[String], long: &str) -> bool {
    let flag = format!("--{long}");
    options
        .iter()
        .any(|o| *o == flag || o.starts_with(&format!("{flag}=")))
}

pub fn normalise(cmd: &Command, argv: &[String]) -> Normalised {
    let spellings = spellings(cmd);
    let mut out = Normalised::default();
    let mut tokens = argv.iter();
    while let Some(token) = tokens.next() {
        if token == "--" {
            out.positionals.extend(tokens.by_ref().cloned());
            break;
        }
        if matches!(token.as_str(), "-?" | "-h" | "--help" | "/?")
            || squash(token) == "help" && token.starts_with('-')
        {
            out.help = true;
            continue;
        }
        let Some(name) = option_name(token) else {
            out.positionals.push(token.clone());
            continue;
        };
        let (name, inline) = match name.find(['=', ':']) {
            Some(at) => (&name[..at], Some(name[at + 1..].to_owned())),
            None => (name, None),
        };
        let Some(spelling) = spellings.iter().find(|s| s.names.contains(&squash(name))) else {
            // Left for clap, which names it and suggests the nearest argument.
            out.options
                .push(format!("--{}", token.trim_start_matches('-')));
            continue;
        };
        let long = &spelling.long;
        if spelling.switch {
            if inline.as_deref().map(value_word).as_deref() != Some("false") {
                out.options.push(format!("--{long}"));
            }
            continue;
        }
        let value = match inline {
            Some(value) => Some(value),
            None if spelling.optional_value => None,
            None => tokens.next().cloned(),
        };
        match value {
            Some(value) => out
                .options
                .push(format!("--{long}={}", canonical(spelling, &value))),
            None => out.options.push(format!("--{long}")),
        }
    }
    out
}

/// `-Name`, `--name` (not `-5`, a negative number, nor `-`, standard input).
fn option_name(token: &str) -> Option<&str> {
    let name = token
        .strip_prefix("--")
        .or_else(|| token.strip_prefix('-'))?;
    let first = name.chars().next()?;
    (first.is_alphabetic() || first == '_').then_some(name)
}

/// `$true`, `True` → `true`; `$false`, `False` → `false`; other words unchanged.
fn value_word(value: &str) -> String {
    match value.trim_start_matches('$').to_ascii_lowercase().as_str() {
        "true" => "true".to_owned(),
        "false" => "false".to_owned(),
        _ => value.to_owned(),
    }
}

fn canonical(spelling: &Spelling, value: &str) -> String {
    let value = value_word(value);
    if spelling.values.is_empty() {
        return value;
    }
    value
        .split(',')
        .map(|word| {
            let found = spelling
                .values
                .iter()
                .find(|v| squash(v) == squash(word.trim()));
            found.map_or(word.to_owned(), Clone::clone)
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{names, spec, tree};

    fn command(name: &str) -> Command {
        let entries = names::entries(spec::operations());
        let entry = entries.iter().find(|e| e.name == name);
        tree::for_entry(entry.unwrap_or_else(|| panic!("{name}")))
    }

    fn words(argv: &[&str]) -> Vec<String> {
        argv.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn powershell_and_gnu_spellings_become_one() {
        let cmd = command("Add-RegistrationSession");
        for argv in [
            &[
                "-Identity",
                "bob",
                "-HoursToLive",
                "2",
                "-Force",
                "-Notify",
                "EMAIL,Sms",
            ][..],
            &[
                "--identity=bob",
                "--hours_to_live",
                "2",
                "--FORCE",
                "--notify",
                "email,sms",
            ],
            &[
                "-USERNAME:bob",
                "-hourstolive:2",
                "--Force",
                "-notify:Email,SMS",
            ],
        ] {
            let n = normalise(&cmd, &words(argv));
            assert_eq!(
                n.options,
                words(&[
                    "--user=bob",
                    "--hours-to-live=2",
                    "--force",
                    "--notify=email,sms"
                ]),
                "{argv:?}"
            );
        }
        let n = normalise(
            &cmd,
            &words(&["-Force:$false", "-WhatIf", "-Confirm:$false", "-?"]),
        );
        assert_eq!(
            n.options,
            words(&["--force=false", "--what-if", "--confirm=false"])
        );
        assert!(n.help);
    }

    #[test]
    fn bare_words_and_unknown_names_are_left_for_binding_and_for_clap() {
        let cmd = command("Get-User");
        let n = normalise(
            &cmd,
            &words(&["bob", "-State", "ACTIVE", "-Bogus", "1", "-First", "-5"]),
        );
        assert_eq!(n.positionals, words(&["bob", "1"]));
        assert_eq!(
            n.options,
            words(&["--state=active", "--Bogus", "--first=-5"])
        );
    }
}
