//! The commands that are not operations: `Connect-Enrolld`, `Disconnect-Enrolld`, `completion`.

use std::io::{BufRead, IsTerminal};

use enrolld_client::Client;

use crate::call::failure;
use crate::names::Entry;
use crate::profile::{self, Connection};
use crate::{argv, exit, tree};

fn parse(command: clap::Command, args: &[String]) -> Result<clap::ArgMatches, u8> {
    let normalised = argv::normalise(&command, args);
    if normalised.help {
        crate::output::say(&command.clone().render_long_help().to_string());
        return Err(exit::OK);
    }
    let mut words = normalised.options;
    words.extend(normalised.positionals);
    command.try_get_matches_from(words).map_err(|e| {
        let _ = e.print();
        exit::USAGE
    })
}

/// Checks the server and the token (a refused token is not saved), then saves the profile.
pub async fn connect(args: &[String]) -> u8 {
    let matches = match parse(tree::connect(), args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let server = matches
        .get_one::<String>("server")
        .cloned()
        .unwrap_or_default();
    let token = matches.get_one::<String>("token").cloned().or_else(|| {
        if std::io::stdin().is_terminal() {
            eprint!("Token: ");
        }
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).ok()?;
        Some(line.trim().to_owned()).filter(|t| !t.is_empty())
    });
    let Some(token) = token else {
        eprintln!(
            "{}: give -Token, or the token on standard input",
            tree::CONNECT
        );
        return exit::USAGE;
    };
    let Ok(client) = Client::with_token(&server, &token) else {
        eprintln!("{}: the token cannot be sent in a header", tree::CONNECT);
        return exit::USAGE;
    };
    if let Err(e) = client.list_identity_services().send().await {
        let failure = failure(&e);
        // 403: the token is good, it only may not list identity services.
        if failure.status != Some(403) {
            let code = exit::of(&crate::call::Outcome::Failed(failure));
            eprintln!(
                "{}: {server} refused the connection or the token: {e}",
                tree::CONNECT
            );
            return if code == exit::OK { exit::FAILED } else { code };
        }
    }
    match profile::save(&Connection {
        server: server.clone(),
        token: Some(token),
    }) {
        Ok(path) => {
            eprintln!(
                "Connected to {server}; the profile is in {}",
                path.display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("{}: saving the profile: {e}", tree::CONNECT);
            exit::FAILED
        }
    }
}

pub fn disconnect(args: &[String]) -> u8 {
    if let Err(code) = parse(tree::disconnect(), args) {
        return code;
    }
    match profile::forget() {
        Ok(Some(path)) => eprintln!("Removed {}", path.display()),
        Ok(None) => eprintln!("No profile to remove"),
        Err(e) => {
            eprintln!("{}: {e}", tree::DISCONNECT);
            return exit::FAILED;
        }
    }
    exit::OK
}

pub fn completion(entries: &[Entry], args: &[String]) -> u8 {
    let args: Vec<String> = args.iter().map(|a| a.to_ascii_lowercase()).collect();
    let matches = match parse(tree::completion(), &args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let Some(shell) = matches.get_one::<clap_complete::Shell>("shell").copied() else {
        return exit::USAGE;
    };
    clap_complete::generate(
        shell,
        &mut tree::tree(entries),
        "enrollctl",
        &mut std::io::stdout(),
    );
    exit::OK
}
