//! Planning: from the command line and the piped rows to the calls to make, each parsed before any
//! is made.

use clap::ArgMatches;

use crate::argv::gives;
use crate::names::Entry;
use crate::pipeline::{self, Row};
use crate::spec::Operation;
use crate::{exit, tree};

/// One call to make: the operation, its arguments, and the rows that go into its body.
pub struct Planned<'a> {
    pub op: &'a Operation,
    pub matches: ArgMatches,
    pub rows: Vec<Row>,
    /// `row 3` for a call made for a piped row.
    pub label: Option<String>,
}

/// Whether piped rows have something to give: a required parameter or body property not on the
/// command line, or the list that collects rows. A list/get pair given a list's parameter lists and
/// reads nothing (`Get-User -State active`); given nothing, piped objects get one each.
pub fn wants_rows(entry: &Entry, given: &[String]) -> bool {
    let op = match &entry.list {
        Some(list)
            if list
                .parameters
                .iter()
                .any(|p| gives(given, &p.property.long)) =>
        {
            list
        }
        _ => &entry.one,
    };
    let required = op
        .parameters
        .iter()
        .map(|p| &p.property)
        .chain(op.body.iter().flatten());
    let missing = required
        .filter(|p| p.required)
        .any(|p| !gives(given, &p.long));
    missing || op.collection().is_some_and(|c| !gives(given, &c.long))
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
pub fn plan<'a>(
    entry: &'a Entry,
    given: &[String],
    rows: Vec<Row>,
) -> Result<Vec<Planned<'a>>, u8> {
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
            // The row's objects (an identity source's `ldap` settings, say) go into the body as they are.
            rows: vec![row],
            label: Some(label),
        });
    }
    Ok(planned)
}
