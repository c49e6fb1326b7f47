//! After the address is confirmed: ask the flow's sources (outside any transaction), then apply
//! what their answers mean in one transaction: history, linked identities, duplicates, and the
//! next state (denied, failed, duplicate, pending approval, or approved and finalized).

use chrono::{DateTime, Utc};
use serde_json::json;

use super::matching::{self, Outcome, Queried, Verdict};
use super::start::{held_elsewhere, identity_row};
use super::{decide, finalize, history_row, record, transition};
use crate::db::org_identities as identity_rows;
use crate::db::petitions::{self as rows, PetitionRow};
use crate::db::{DbConn, users as user_rows};
use crate::error::{AppError, AppResult};
use crate::model::enrollment_flows::{OnDuplicate, SourceMode};
use crate::model::petitions::PetitionStatus;
use crate::service::enrollment_flows::{self as flows, Loaded};
use crate::service::{Context, Deps, Effect, audit, identity_sources, with_outbox};
use crate::sources::Lookup;

/// A petition after its sources were consulted, with a note for the petitioner.
pub struct Settled {
    /// The petition as it now is.
    pub row: PetitionRow,
    /// Its flow.
    pub flow: Loaded,
    /// What to tell the petitioner.
    pub note: String,
}

fn consulted(mode: SourceMode) -> bool {
    matches!(
        mode,
        SourceMode::Claim | SourceMode::Search | SourceMode::SearchRequired
    )
}

/// Consults the flow's sources for a confirmed petition and moves it on. A source that fails
/// leaves the petition where it is (recorded in its history), so confirming again retries.
pub async fn settle(deps: &Deps, ctx: &Context, row: PetitionRow) -> AppResult<Settled> {
    let flow_id = row.flow_id.clone();
    let flow = deps
        .db
        .read(move |conn| flows::load(conn, &flow_id))
        .await?;
    let mut queried = Vec::new();
    for (attached, name) in flow.sources.iter().filter(|(a, _)| consulted(a.mode)) {
        let lookup = Lookup::Email(row.email.clone());
        match identity_sources::lookup(deps, ctx, &attached.source_id, &lookup, Effect::Commit)
            .await
        {
            Ok(records) => queried.push(Queried {
                source_id: attached.source_id.clone(),
                source: name.clone(),
                mode: attached.mode,
                verify_family_name: attached.verify_family_name,
                records,
            }),
            Err(error) => {
                let flow = flow.clone();
                return source_failed(deps, ctx, row, flow, name, &error.to_string()).await;
            }
        }
    }
    let outcome = matching::evaluate(row.family_name.as_deref(), &queried);
    let applied = apply_in(deps, ctx, &row.id, &flow, outcome.clone(), None).await;
    let (row, note) = match applied {
        Err(refused) if is_refusal(&refused) => {
            // Finalizing was refused (the username is taken, the follow-up cannot start): the
            // outcome stands, and the petition waits for an operator, who sees why.
            apply_in(
                deps,
                ctx,
                &row.id,
                &flow,
                outcome,
                Some(refused.to_string()),
            )
            .await?
        }
        other => other?,
    };
    Ok(Settled { row, flow, note })
}

/// A refusal a person can mend (as opposed to the database or the server failing).
fn is_refusal(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Conflict { .. }
            | AppError::Invalid(_)
            | AppError::Unprocessable { .. }
            | AppError::NotFound { .. }
    )
}

/// Applies an outcome in one transaction, to a petition still pending confirmation; `held` says
/// why it may not be finalized automatically.
async fn apply_in(
    deps: &Deps,
    ctx: &Context,
    id: &str,
    flow: &Loaded,
    outcome: Outcome,
    held: Option<String>,
) -> AppResult<(PetitionRow, String)> {
    let (owned, ctx, id, flow) = (deps.clone(), ctx.clone(), id.to_owned(), flow.clone());
    let now = deps.clock.now();
    with_outbox(deps, Effect::Commit, move |tx| {
        let row = super::find_required(tx, &id)?;
        if row.status != PetitionStatus::PendingConfirmation {
            return Ok((row, "This petition has already moved on.".to_owned()));
        }
        let step = Step {
            deps: &owned,
            ctx: &ctx,
            now,
            flow: &flow,
            held,
        };
        apply(tx, &step, row, outcome)
    })
    .await
}

async fn source_failed(
    deps: &Deps,
    ctx: &Context,
    row: PetitionRow,
    flow: Loaded,
    source: &str,
    error: &str,
) -> AppResult<Settled> {
    let now = deps.clock.now();
    let (ctx, id) = (ctx.clone(), row.id.clone());
    let detail = json!({"source": source, "error": error});
    crate::service::write(&deps.db, Effect::Commit, move |tx| {
        record(tx, &ctx, now, &id, "source_queried", Some(detail.clone()))?;
        audit::record(tx, &ctx, now, audit::failure("petition", &id, Some(detail)))
    })
    .await?;
    Ok(Settled {
        row,
        flow,
        note: "Your address is confirmed, but the directory could not be checked just now; open the link again in a few minutes.".into(),
    })
}

/// What applying an outcome needs besides the petition.
struct Step<'a> {
    deps: &'a Deps,
    ctx: &'a Context,
    now: DateTime<Utc>,
    flow: &'a Loaded,
    /// Why the petition may not be finalized automatically (a refused first try).
    held: Option<String>,
}

/// Applies an outcome to a petition pending confirmation.
fn apply(
    tx: &mut DbConn,
    step: &Step<'_>,
    mut row: PetitionRow,
    outcome: Outcome,
) -> AppResult<(PetitionRow, String)> {
    let (deps, ctx, now, flow) = (step.deps, step.ctx, step.now, step.flow);
    let history: Vec<_> = outcome
        .events
        .iter()
        .map(|(event, detail)| history_row(ctx, now, &row.id, event, Some(detail.clone())))
        .collect();
    rows::add_history(tx, &history)?;
    let note = match outcome.verdict {
        Verdict::Denied(reason) => {
            decide::deny_in(tx, deps, ctx, now, flow, &mut row, Some(reason), true)?;
            "Your petition was denied: the directory has no matching record."
        }
        Verdict::Failed(reason) => {
            transition(tx, &mut row, PetitionStatus::Failed, now)?;
            record(
                tx,
                ctx,
                now,
                &row.id,
                "failed",
                Some(json!({"reason": reason})),
            )?;
            let detail = json!({"status": "failed", "reason": reason});
            super::audited(tx, ctx, now, &row.id, detail)?;
            "Your petition cannot go on: the directory has no record with this address."
        }
        Verdict::Proceed => {
            let holder = link(tx, ctx, now, &row.id, &outcome.links)?;
            go_on(tx, step, &mut row, holder)?
        }
    };
    Ok((row, note.to_owned()))
}

/// Moves a petition whose sources allow it on: a duplicate ends (or is linked, by the flow's
/// choice), then it waits for approval (or for an operator, when finalizing was refused) or is
/// approved and finalized. The note for the petitioner.
fn go_on(
    tx: &mut DbConn,
    step: &Step<'_>,
    row: &mut PetitionRow,
    holder: Option<String>,
) -> AppResult<&'static str> {
    let (ctx, now, flow) = (step.ctx, step.now, step.flow);
    let holder = match holder {
        Some(user) => Some(user),
        None => user_rows::find_by_email(tx, &row.email)?.map(|u| u.id),
    };
    if let Some(user_id) = holder {
        if flow.stored.on_duplicate == OnDuplicate::MarkDuplicate {
            transition(tx, row, PetitionStatus::Duplicate, now)?;
            record(
                tx,
                ctx,
                now,
                &row.id,
                "duplicate",
                Some(json!({"user_id": user_id})),
            )?;
            let detail = json!({"status": "duplicate"});
            super::audited(tx, ctx, now, &row.id, detail)?;
            return Ok("You are already in the directory; ask your service desk if you need help.");
        }
        row.link_user_id = Some(user_id);
    }
    if flow.stored.approval_required || step.held.is_some() {
        transition(tx, row, PetitionStatus::PendingApproval, now)?;
        if let Some(reason) = &step.held {
            record(
                tx,
                ctx,
                now,
                &row.id,
                "finalize_failed",
                Some(json!({"reason": reason})),
            )?;
        }
        let detail = json!({"status": "pending_approval", "finalize_failed": step.held});
        super::audited(tx, ctx, now, &row.id, detail)?;
        return Ok(match step.held {
            Some(_) => {
                "Your address is confirmed; the service desk needs to look at your petition before it can go on."
            }
            None => "Thank you: your petition is waiting for approval; you will hear by email.",
        });
    }
    transition(tx, row, PetitionStatus::Approved, now)?;
    record(
        tx,
        ctx,
        now,
        &row.id,
        "approved",
        Some(json!({"automatic": true})),
    )?;
    finalize::finalize(tx, step.deps, ctx, now, flow, row)?;
    Ok("Welcome: your account is ready, and an email tells you what comes next.")
}

/// Links the matched records to the petition; the user who already holds one of them, if any.
fn link(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    petition_id: &str,
    links: &[(String, crate::model::identity_sources::SourceRecord)],
) -> AppResult<Option<String>> {
    let mut holder = None;
    for (source_id, found) in links {
        let existing = identity_rows::find_record(tx, source_id, &found.source_key)?;
        if let Some(existing) = &existing {
            if let Some(user) = &existing.user_id {
                holder.get_or_insert_with(|| user.clone());
                continue;
            }
            if held_elsewhere(tx, existing, petition_id, now)? {
                let detail = json!({"source_id": source_id, "source_key": found.source_key,
                    "reason": "linked to another open petition"});
                record(
                    tx,
                    ctx,
                    now,
                    petition_id,
                    "eligibility_failed",
                    Some(detail),
                )?;
                continue;
            }
        }
        identity_rows::upsert(
            tx,
            &identity_row(source_id, found, petition_id, false, now)?,
        )?;
        let detail = json!({"source_id": source_id, "source_key": found.source_key});
        record(tx, ctx, now, petition_id, "identity_linked", Some(detail))?;
    }
    Ok(holder)
}
