//! Creating, changing and deleting identity sources: checked, audited, one transaction each.

use serde_json::json;

use super::check::{self, DEFAULT_TIMEOUT};
use super::{Stored, Versioned, find_required, to_model, versioned};
use crate::db::identity_sources::{self as rows, SourceRow};
use crate::error::{AppError, AppResult};
use crate::model::identity_sources::{CreateIdentitySource, UpdateIdentitySource};
use crate::service::mutation::{self, Answered, Effect, Mode};
use crate::service::validate::Checks;
use crate::service::{Context, Deps, audit, versions, write};

fn settings_text(stored: &Stored) -> AppResult<String> {
    serde_json::to_string(stored).map_err(|e| AppError::internal(format!("settings: {e}")))
}

/// Creates a source.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    input: CreateIdentitySource,
    mode: Mode,
) -> AppResult<Answered<Versioned>> {
    let now = deps.clock.now();
    let mut checks = Checks::default();
    let name = checks.slug("name", &input.name);
    let description = checks.optional_text("description", input.description.as_deref(), 500);
    let stored = Stored {
        ldap: input.ldap.clone(),
        http_json: input.http_json.clone(),
        file: input.file.clone(),
        mapping: input.mapping.clone(),
        timeout_seconds: input.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT),
    };
    check::settings(&mut checks, input.kind, &stored);
    checks.finish()?;
    let row = SourceRow {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        description,
        kind: input.kind,
        settings: settings_text(&stored)?,
        created_by: ctx.actor.id().to_owned(),
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, input, move |tx, _| {
        if rows::find(tx, &row.name)?.is_some() {
            return Err(AppError::Conflict {
                code: crate::error::ErrorCode::Conflict,
                message: format!("an identity source named {:?} exists", row.name),
            });
        }
        rows::insert(tx, &row)?;
        let detail = json!({"name": row.name, "kind": row.kind});
        audit::record(
            tx,
            &ctx_owned,
            now,
            audit::success("identity_source", &row.id, Some(detail)),
        )?;
        versioned(row)
    })
    .await
}

/// Changes a source: each field given replaces the stored one; only at the `If-Match` version.
pub async fn update(
    deps: &Deps,
    ctx: &Context,
    source: String,
    input: UpdateIdentitySource,
    mode: Mode,
) -> AppResult<Versioned> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    write(&deps.db, Effect::of(mode.dry_run), move |tx| {
        let current = find_required(tx, &source)?;
        versions::require_current(mode.if_match.as_deref(), || to_model(current.clone()))?;
        let mut stored: Stored = serde_json::from_str(&current.settings)
            .map_err(|e| AppError::internal(format!("settings: {e}")))?;
        let mut checks = Checks::default();
        let mut row = current.clone();
        if let Some(description) = &input.description {
            row.description = checks.optional_text("description", Some(description), 500);
        }
        let changed = merge(&mut stored, &input);
        check::settings(&mut checks, row.kind, &stored);
        checks.finish()?;
        row.settings = settings_text(&stored)?;
        row.updated_at = now.naive_utc();
        rows::update(tx, &row)?;
        let detail = json!({"changed": changed});
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("identity_source", &row.id, Some(detail)),
        )?;
        versioned(row)
    })
    .await
}

/// Replaces the parts `input` gives; the names of the fields it set.
fn merge(stored: &mut Stored, input: &UpdateIdentitySource) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if input.description.is_some() {
        changed.push("description");
    }
    if let Some(ldap) = &input.ldap {
        stored.ldap = Some(ldap.clone());
        changed.push("ldap");
    }
    if let Some(http) = &input.http_json {
        stored.http_json = Some(http.clone());
        changed.push("http_json");
    }
    if let Some(file) = &input.file {
        stored.file = Some(file.clone());
        changed.push("file");
    }
    if let Some(mapping) = &input.mapping {
        stored.mapping = Some(mapping.clone());
        changed.push("mapping");
    }
    if let Some(timeout) = input.timeout_seconds {
        stored.timeout_seconds = timeout;
        changed.push("timeout_seconds");
    }
    changed
}

/// Deletes a source; only at the `If-Match` version.
pub async fn delete(deps: &Deps, ctx: &Context, source: String, mode: Mode) -> AppResult<()> {
    let now = deps.clock.now();
    let ctx = ctx.clone();
    write(&deps.db, Effect::of(mode.dry_run), move |tx| {
        let current = find_required(tx, &source)?;
        versions::require_current(mode.if_match.as_deref(), || to_model(current.clone()))?;
        refuse_in_use(tx, &current)?;
        rows::delete(tx, &current.id)?;
        let detail = json!({"name": current.name});
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("identity_source", &current.id, Some(detail)),
        )?;
        Ok(())
    })
    .await
}

/// Refuses (409) to delete a source that flows use or that identities are linked from.
fn refuse_in_use(tx: &mut crate::db::DbConn, source: &SourceRow) -> AppResult<()> {
    let flows = crate::db::enrollment_flows::flows_using(tx, &source.id)?;
    let reason = if !flows.is_empty() {
        format!(
            "the enrollment flows {} use it; detach it from them first",
            flows.join(", ")
        )
    } else if crate::db::org_identities::any_of_source(tx, &source.id)? {
        "identities of users and petitions are linked from it".to_owned()
    } else {
        return Ok(());
    };
    Err(AppError::Conflict {
        code: crate::error::ErrorCode::SourceInUse,
        message: format!("the identity source {:?} is in use: {reason}", source.name),
    })
}
