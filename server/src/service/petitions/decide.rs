//! Operators' decisions: approve (which finalizes), deny (with the petitioner told by email), and
//! confirming for the person in administrator flows with code verification.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::join::{Confirmer, confirm_email};
use super::outcome::{self, Settled};
use super::{finalize, find_required, full, not_waiting, record, transition};
use crate::db::DbConn;
use crate::db::petitions::PetitionRow;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollment_flows::FlowAuthorization;
use crate::model::petitions::{
    ConfirmJoin, ConfirmPetition, DecidePetition, Petition, PetitionStatus,
};
use crate::service::enrollment_flows::{self as flows, Loaded};
use crate::service::mutation::Mode;
use crate::service::validate::Checks;
use crate::service::{Context, Deps, Effect, audit, with_outbox};

/// Queues the email that tells the petitioner the decision; recorded in the history.
pub fn tell_decision(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    flow: &Loaded,
    row: &PetitionRow,
    decision: &str,
) -> AppResult<()> {
    let values = BTreeMap::from([
        ("PetitionerName", super::person_name(row)),
        ("FlowName", flow.row.name.clone()),
        ("Decision", decision.to_owned()),
        ("Comment", row.decision_comment.clone().unwrap_or_default()),
    ]);
    let event = "petition-decided";
    let queued = super::email_petitioner(tx, &deps.key, now, row, event, values, None)?;
    let detail = json!({"template": event, "decision": decision, "notification": queued});
    record(tx, ctx, now, &row.id, "notification_sent", Some(detail))
}

fn checked_comment(input: &DecidePetition) -> AppResult<Option<String>> {
    let mut checks = Checks::default();
    let comment = checks.optional_text("comment", input.comment.as_deref(), 1000);
    checks.finish()?;
    Ok(comment)
}

/// What a decision does to the petition, in its transaction.
type Act = fn(
    &mut DbConn,
    &Deps,
    &Context,
    DateTime<Utc>,
    &Loaded,
    &mut PetitionRow,
    Option<String>,
) -> AppResult<()>;

/// Runs a decision on a petition in one transaction (rolled back for a dry run); the petition.
async fn decide(
    deps: &Deps,
    ctx: &Context,
    id: String,
    input: DecidePetition,
    mode: Mode,
    act: Act,
) -> AppResult<Petition> {
    let comment = checked_comment(&input)?;
    let now = deps.clock.now();
    let (owned, ctx) = (deps.clone(), ctx.clone());
    with_outbox(deps, Effect::of(mode.dry_run), move |tx| {
        let mut row = find_required(tx, &id)?;
        let flow = flows::load(tx, &row.flow_id)?;
        act(tx, &owned, &ctx, now, &flow, &mut row, comment)?;
        full(tx, row)
    })
    .await
}

/// Approves a petition waiting for approval, and finalizes it in the same transaction.
pub async fn approve(
    deps: &Deps,
    ctx: &Context,
    id: String,
    input: DecidePetition,
    mode: Mode,
) -> AppResult<Petition> {
    decide(
        deps,
        ctx,
        id,
        input,
        mode,
        |tx, deps, ctx, now, flow, row, comment| {
            if row.status != PetitionStatus::PendingApproval {
                return Err(not_waiting(row.status));
            }
            row.decided_by = Some(ctx.actor.id().to_owned());
            row.decided_at = Some(now.naive_utc());
            row.decision_comment = comment;
            transition(tx, row, PetitionStatus::Approved, now)?;
            let detail = json!({"comment": row.decision_comment});
            record(tx, ctx, now, &row.id, "approved", Some(detail))?;
            let detail = json!({"status": "approved"});
            super::audited(tx, ctx, now, &row.id, detail)?;
            finalize::finalize(tx, deps, ctx, now, flow, row)
        },
    )
    .await
}

/// Denies a petition that is still open (pending confirmation or approval).
pub async fn deny(
    deps: &Deps,
    ctx: &Context,
    id: String,
    input: DecidePetition,
    mode: Mode,
) -> AppResult<Petition> {
    decide(
        deps,
        ctx,
        id,
        input,
        mode,
        |tx, deps, ctx, now, flow, row, comment| {
            let open = [
                PetitionStatus::PendingApproval,
                PetitionStatus::PendingConfirmation,
            ];
            if !open.contains(&row.status) {
                return Err(not_waiting(row.status));
            }
            deny_in(tx, deps, ctx, now, flow, row, comment, false)
        },
    )
    .await
}

/// Denies inside a change's transaction (by an approver, or automatically when a required source
/// does not match), tells the petitioner, and audits it.
#[allow(clippy::too_many_arguments)]
pub fn deny_in(
    tx: &mut DbConn,
    deps: &Deps,
    ctx: &Context,
    now: DateTime<Utc>,
    flow: &Loaded,
    row: &mut PetitionRow,
    comment: Option<String>,
    automatic: bool,
) -> AppResult<()> {
    row.decided_by = Some(if automatic {
        "system".to_owned()
    } else {
        ctx.actor.id().to_owned()
    });
    row.decided_at = Some(now.naive_utc());
    row.decision_comment = comment;
    transition(tx, row, PetitionStatus::Denied, now)?;
    let detail = json!({"comment": row.decision_comment, "automatic": automatic});
    record(tx, ctx, now, &row.id, "denied", Some(detail))?;
    audit::record(
        tx,
        ctx,
        now,
        audit::success(
            "petition",
            &row.id,
            Some(json!({"status": "denied", "automatic": automatic})),
        ),
    )?;
    tell_decision(tx, deps, ctx, now, flow, row, "denied")
}

/// Confirms the address with the code the person read back (administrator flows with code
/// verification), then consults the sources and moves the petition on.
pub async fn confirm_for(
    deps: &Deps,
    ctx: &Context,
    id: String,
    input: ConfirmPetition,
) -> AppResult<Petition> {
    let asked = id.clone();
    let (flow, row) = deps
        .db
        .read(move |conn| {
            let row = find_required(conn, &asked)?;
            Ok::<_, AppError>((flows::load(conn, &row.flow_id)?, row))
        })
        .await?;
    if flow.row.authorization_kind != FlowAuthorization::Administrator || row.code_hash.is_none() {
        return Err(AppError::Conflict {
            code: ErrorCode::FlowDisabled,
            message: "an operator confirms only petitions of administrator flows with code verification; this person confirms by the emailed link".into(),
        });
    }
    let by = Confirmer::Operator(ctx.clone());
    let confirm = ConfirmJoin {
        secret: String::new(),
        code: Some(input.code),
        given_name: None,
        family_name: None,
    };
    let row = confirm_email(deps, &by, id, confirm).await?;
    let Settled { row, .. } = outcome::settle(deps, ctx, row).await?;
    deps.db.read(move |conn| full(conn, row)).await
}
