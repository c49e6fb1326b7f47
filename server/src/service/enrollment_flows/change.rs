//! Creating, changing and deleting flows: checked, audited, one transaction each.

use serde_json::json;

use super::check;
use super::{DEFAULT_VALIDITY_HOURS, Stored, Versioned, find_required, stored_of, versioned};
use crate::db::enrollment_flows::{self as rows, FlowRow};
use crate::db::petitions as petition_rows;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::enrollment_flows::{CreateEnrollmentFlow, UpdateEnrollmentFlow};
use crate::service::mutation::{self, Answered, Effect, Mode};
use crate::service::validate::Checks;
use crate::service::{Context, Deps, audit, versions, write};

fn settings_text(stored: &Stored) -> AppResult<String> {
    serde_json::to_string(stored).map_err(|e| AppError::internal(format!("settings: {e}")))
}

fn stored_of_new(input: &CreateEnrollmentFlow) -> Stored {
    Stored {
        approval_required: input.approval_required,
        email_verification: input.email_verification.unwrap_or_default(),
        invitation_validity_hours: input
            .invitation_validity_hours
            .unwrap_or(DEFAULT_VALIDITY_HOURS),
        follow_up: input.follow_up.unwrap_or_default(),
        on_duplicate: input.on_duplicate.unwrap_or_default(),
    }
}

/// Creates a flow.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    input: CreateEnrollmentFlow,
    mode: Mode,
) -> AppResult<Answered<Versioned>> {
    let now = deps.clock.now();
    let public_url = deps.public_url.clone();
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, input, move |tx, input| {
        let mut checks = Checks::default();
        let stored = stored_of_new(&input);
        let row = FlowRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: checks.slug("name", &input.name),
            description: checks.optional_text("description", input.description.as_deref(), 500),
            authorization_kind: input.authorization,
            settings: settings_text(&stored)?,
            enabled: input.enabled.unwrap_or(true),
            created_by: ctx_owned.actor.id().to_owned(),
            created_at: now.naive_utc(),
            updated_at: now.naive_utc(),
        };
        check::options(&mut checks, &stored);
        let attached = check::sources(
            tx,
            &mut checks,
            &row.id,
            row.authorization_kind,
            &input.sources,
        )?;
        checks.finish()?;
        if rows::find(tx, &row.name)?.is_some() {
            return Err(AppError::Conflict {
                code: ErrorCode::Conflict,
                message: format!("an enrollment flow named {:?} exists", row.name),
            });
        }
        rows::insert(tx, &row)?;
        rows::set_sources(tx, &row.id, &attached)?;
        let detail = json!({"name": row.name, "authorization": row.authorization_kind});
        audit::record(
            tx,
            &ctx_owned,
            now,
            audit::success("enrollment_flow", &row.id, Some(detail)),
        )?;
        versioned(tx, &public_url, row)
    })
    .await
}

/// Changes a flow: each field given replaces the stored one; only at the `If-Match` version.
pub async fn update(
    deps: &Deps,
    ctx: &Context,
    flow: String,
    input: UpdateEnrollmentFlow,
    mode: Mode,
) -> AppResult<Versioned> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    let public_url = deps.public_url.clone();
    write(&deps.db, Effect::of(mode.dry_run), move |tx| {
        let current = find_required(tx, &flow)?;
        versions::require_current(mode.if_match.as_deref(), || {
            versioned(tx, &public_url, current.clone()).map(|v| v.flow)
        })?;
        let mut stored = stored_of(&current)?;
        let mut row = current.clone();
        let mut checks = Checks::default();
        if let Some(description) = &input.description {
            row.description = checks.optional_text("description", Some(description), 500);
        }
        row.authorization_kind = input.authorization.unwrap_or(row.authorization_kind);
        row.enabled = input.enabled.unwrap_or(row.enabled);
        let changed = merge(&mut stored, &input);
        check::options(&mut checks, &stored);
        let sources = match &input.sources {
            Some(given) => given.clone(),
            None => attached_as_input(tx, &row.id)?,
        };
        let attached = check::sources(tx, &mut checks, &row.id, row.authorization_kind, &sources)?;
        checks.finish()?;
        row.settings = settings_text(&stored)?;
        row.updated_at = now.naive_utc();
        rows::update(tx, &row)?;
        rows::set_sources(tx, &row.id, &attached)?;
        let detail = json!({"changed": changed});
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("enrollment_flow", &row.id, Some(detail)),
        )?;
        versioned(tx, &public_url, row)
    })
    .await
}

/// The stored attachments in the form a change gives them (to check them against a new
/// authorization).
fn attached_as_input(
    tx: &mut crate::db::DbConn,
    flow_id: &str,
) -> AppResult<Vec<crate::model::enrollment_flows::FlowSourceInput>> {
    Ok(rows::sources_of(tx, &[flow_id.to_owned()])?
        .into_iter()
        .map(
            |(attached, _)| crate::model::enrollment_flows::FlowSourceInput {
                source: attached.source_id,
                mode: attached.mode,
                verify_family_name: attached.verify_family_name,
            },
        )
        .collect())
}

/// Replaces the options `input` gives; the names of every field it set.
fn merge(stored: &mut Stored, input: &UpdateEnrollmentFlow) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let mut note = |given: bool, name: &'static str| {
        if given {
            changed.push(name);
        }
    };
    note(input.description.is_some(), "description");
    note(input.authorization.is_some(), "authorization");
    note(input.enabled.is_some(), "enabled");
    note(input.sources.is_some(), "sources");
    if let Some(value) = input.approval_required {
        stored.approval_required = value;
        note(true, "approval_required");
    }
    if let Some(value) = input.email_verification {
        stored.email_verification = value;
        note(true, "email_verification");
    }
    if let Some(value) = input.invitation_validity_hours {
        stored.invitation_validity_hours = value;
        note(true, "invitation_validity_hours");
    }
    if let Some(value) = input.follow_up {
        stored.follow_up = value;
        note(true, "follow_up");
    }
    if let Some(value) = input.on_duplicate {
        stored.on_duplicate = value;
        note(true, "on_duplicate");
    }
    changed
}

/// Deletes a flow that has no petitions; only at the `If-Match` version.
pub async fn delete(deps: &Deps, ctx: &Context, flow: String, mode: Mode) -> AppResult<()> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    let public_url = deps.public_url.clone();
    write(&deps.db, Effect::of(mode.dry_run), move |tx| {
        let current = find_required(tx, &flow)?;
        versions::require_current(mode.if_match.as_deref(), || {
            versioned(tx, &public_url, current.clone()).map(|v| v.flow)
        })?;
        if petition_rows::any_in_flow(tx, &current.id)? {
            return Err(AppError::Conflict {
                code: ErrorCode::FlowInUse,
                message: format!(
                    "the enrollment flow {:?} has petitions, which keep their history; disable it instead (enabled: false)",
                    current.name
                ),
            });
        }
        rows::delete(tx, &current.id)?;
        let detail = json!({"name": current.name});
        audit::record(tx, &ctx, now, audit::success("enrollment_flow", &current.id, Some(detail)))?;
        Ok(())
    })
    .await
}
