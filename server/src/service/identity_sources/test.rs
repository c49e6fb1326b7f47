//! Asking a source: `test` for operators (what a flow would see), `lookup` for the flows themselves.
//! Each query is audited with its outcome; a failed one is a problem saying which part failed.

use serde_json::json;

use super::{find_required, to_model};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::identity_sources::{
    IdentitySource, SourceRecord, SourceTestResult, TestIdentitySource,
};
use crate::service::{Context, Deps, Effect, audit, write};
use crate::sources::{Lookup, SourceError};

/// Queries a source as a flow would, and shows the records.
pub async fn test(
    deps: &Deps,
    ctx: &Context,
    source: String,
    input: TestIdentitySource,
) -> AppResult<SourceTestResult> {
    let lookup = match (input.email, input.key) {
        (Some(email), None) if crate::service::validate::is_email(email.trim()) => {
            Lookup::Email(email.trim().to_owned())
        }
        (Some(_), None) => return Err(AppError::invalid("email", "must be an email address")),
        (None, Some(key)) if !key.trim().is_empty() && key.len() <= 500 => {
            Lookup::Key(key.trim().to_owned())
        }
        (None, Some(_)) => return Err(AppError::invalid("key", "must be 1 to 500 characters")),
        _ => {
            return Err(AppError::invalid(
                "email",
                "give exactly one of `email` and `key`",
            ));
        }
    };
    let found = deps
        .db
        .read(move |conn| to_model(find_required(conn, &source)?))
        .await?;
    let (records, elapsed) = lookup_in(deps, ctx, &found, &lookup, Effect::Commit).await?;
    Ok(SourceTestResult {
        source: found.name,
        lookup: lookup.kind().into(),
        value: lookup.value().into(),
        records,
        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
    })
}

/// Queries the source with this id or name for a flow; audited, except in a dry run
/// (`Effect::DryRun`), which stores nothing.
pub async fn lookup(
    deps: &Deps,
    ctx: &Context,
    source: &str,
    lookup: &Lookup,
    effect: Effect,
) -> AppResult<Vec<SourceRecord>> {
    let source = super::get(&deps.db, source.to_owned()).await?.source;
    Ok(lookup_in(deps, ctx, &source, lookup, effect).await?.0)
}

/// Runs the query and audits it (the lookup kind and the count, never the records), in a
/// transaction with `effect`.
async fn lookup_in(
    deps: &Deps,
    ctx: &Context,
    source: &IdentitySource,
    lookup: &Lookup,
    effect: Effect,
) -> AppResult<(Vec<SourceRecord>, std::time::Duration)> {
    let files_dir = deps.config.source_files_dir.as_deref();
    let answer = crate::sources::query(source, files_dir, lookup).await;
    let (entry_detail, failed) = match &answer {
        Ok((records, _)) => (
            json!({"lookup": lookup.kind(), "records": records.len()}),
            false,
        ),
        Err(e) => (
            json!({"lookup": lookup.kind(), "error": describe(source, e)}),
            true,
        ),
    };
    let (now, ctx, id) = (deps.clock.now(), ctx.clone(), source.id.clone());
    write(&deps.db, effect, move |tx| {
        let entry = if failed {
            audit::failure("identity_source", &id, Some(entry_detail))
        } else {
            audit::success("identity_source", &id, Some(entry_detail))
        };
        audit::record(tx, &ctx, now, entry)
    })
    .await?;
    answer.map_err(|e| problem(source, e))
}

/// What went wrong, in words (a timeout with the source's seconds).
fn describe(source: &IdentitySource, error: &SourceError) -> String {
    match error {
        SourceError::Timeout => format!("no answer within {} seconds", source.timeout_seconds),
        other => other.to_string(),
    }
}

/// The problem for a failed query.
fn problem(source: &IdentitySource, error: SourceError) -> AppError {
    let (name, described) = (&source.name, describe(source, &error));
    let code = match &error {
        SourceError::Unreachable(_) => ErrorCode::SourceUnreachable,
        SourceError::Credentials(_) => ErrorCode::SourceCredentialsRefused,
        SourceError::Timeout => ErrorCode::SourceTimeout,
        SourceError::Failed(_) => ErrorCode::SourceFailed,
        SourceError::Misconfigured(_) => {
            return AppError::Unprocessable {
                code: ErrorCode::SourceMisconfigured,
                message: format!("identity source {name:?}: {described}"),
            };
        }
    };
    AppError::Upstream {
        code,
        message: format!("identity source {name:?}: {described}"),
    }
}
