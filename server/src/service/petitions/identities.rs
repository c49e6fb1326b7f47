//! A user's organizational identities (linked by finalized petitions), and refreshing them from
//! their sources: the "sync" that keeps names and emails as the directory has them.

use serde_json::json;

use super::identity_model;
use super::start::json_text;
use crate::db::org_identities::{self as identity_rows, IdentityRow};
use crate::error::AppResult;
use crate::model::identity_sources::SourceRecord;
use crate::model::petitions::{IdentityRefresh, IdentityRefreshReport, OrgIdentityList};
use crate::service::mutation::{Effect, Mode};
use crate::service::{Context, Deps, audit, identity_sources, users, write};
use crate::sources::Lookup;

/// The identities linked to a user.
pub async fn identities_of_user(deps: &Deps, user: String) -> AppResult<OrgIdentityList> {
    deps.db
        .read(move |conn| {
            let user = users::find_required(conn, &user)?;
            let items = identity_rows::of_user(conn, &user.id)?
                .into_iter()
                .map(|(row, source)| identity_model(row, source))
                .collect();
            Ok(OrgIdentityList { items })
        })
        .await
}

/// The fields of `row` that differ from `record`, and the row with the record's values.
fn compare(row: &IdentityRow, record: &SourceRecord) -> AppResult<(Vec<String>, IdentityRow)> {
    let mut next = row.clone();
    next.given_name = record.given_name.clone();
    next.family_name = record.family_name.clone();
    next.emails = json_text(&record.emails)?;
    next.attributes = json_text(&record.attributes)?;
    let mut changed = Vec::new();
    if next.given_name != row.given_name {
        changed.push("given_name".to_owned());
    }
    if next.family_name != row.family_name {
        changed.push("family_name".to_owned());
    }
    let before: serde_json::Value = serde_json::from_str(&row.emails).unwrap_or_default();
    if before != json!(record.emails) {
        changed.push("emails".to_owned());
    }
    let before: serde_json::Value = serde_json::from_str(&row.attributes).unwrap_or_default();
    if before != json!(record.attributes) {
        changed.push("attributes".to_owned());
    }
    Ok((changed, next))
}

/// Reads each of the user's identities again from its source and stores what changed (names,
/// emails, attributes of the identity; the directory user stays as it is). A source that fails is
/// reported for its identity and the others still refresh.
pub async fn refresh(
    deps: &Deps,
    ctx: &Context,
    user: String,
    mode: Mode,
) -> AppResult<IdentityRefreshReport> {
    let (user_row, linked) = deps
        .db
        .read(move |conn| {
            let user = users::find_required(conn, &user)?;
            let linked = identity_rows::of_user(conn, &user.id)?;
            Ok::<_, crate::error::AppError>((user, linked))
        })
        .await?;
    let mut items = Vec::with_capacity(linked.len());
    let mut updates = Vec::new();
    for (row, source_name) in linked {
        let outcome =
            |outcome: &str, changed: Vec<String>, error: Option<String>| IdentityRefresh {
                id: row.id.clone(),
                source: source_name.clone(),
                outcome: outcome.to_owned(),
                changed,
                error,
            };
        let lookup = Lookup::Key(row.source_key.clone());
        let effect = Effect::of(mode.dry_run);
        match identity_sources::lookup(deps, ctx, &row.source_id, &lookup, effect).await {
            Err(error) => items.push(outcome("failed", Vec::new(), Some(error.to_string()))),
            Ok(records) => match records.first() {
                None => items.push(outcome("gone", Vec::new(), None)),
                Some(record) => {
                    let (changed, next) = compare(&row, record)?;
                    let word = if changed.is_empty() {
                        "unchanged"
                    } else {
                        "updated"
                    };
                    items.push(outcome(word, changed, None));
                    updates.push(next);
                }
            },
        }
    }
    let now = deps.clock.now();
    let (ctx, report) = (ctx.clone(), items.clone());
    write(&deps.db, Effect::of(mode.dry_run), move |tx| {
        for mut row in updates {
            row.fetched_at = now.naive_utc();
            identity_rows::update(tx, &row)?;
        }
        let detail = json!({"identities": report.iter().map(|r| json!({"source": r.source, "outcome": r.outcome, "changed": r.changed})).collect::<Vec<_>>()});
        audit::record_user(tx, &ctx, now, &user_row.id, detail)
    })
    .await?;
    Ok(IdentityRefreshReport { items })
}
