//! Writing and reading the audit log.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Actor, Context, page};
use crate::db::audit_events::{self, AuditEventRow, AuditFilter};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::model::audit::{
    AuditActor, AuditEvent, AuditEventPage, AuditTarget, ListAuditEventsQuery,
};

/// How an audited event ended.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was tried and failed (e.g. a wrong code).
    Failure,
    /// It was refused before it started (authentication or authorization).
    Denied,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Denied => "denied",
        }
    }
}

/// One event to record.
pub struct Entry<'a> {
    /// Kind of target (`user`, `identity_service`).
    pub target_type: &'a str,
    /// The target's id.
    pub target_id: &'a str,
    /// How it ended.
    pub outcome: Outcome,
    /// Extra facts (never secrets).
    pub detail: Option<Value>,
}

/// A successful change to a target.
pub fn success<'a>(target_type: &'a str, target_id: &'a str, detail: Option<Value>) -> Entry<'a> {
    Entry {
        target_type,
        target_id,
        outcome: Outcome::Success,
        detail,
    }
}

/// A failed attempt on a target (e.g. a wrong code).
pub fn failure<'a>(target_type: &'a str, target_id: &'a str, detail: Option<Value>) -> Entry<'a> {
    Entry {
        target_type,
        target_id,
        outcome: Outcome::Failure,
        detail,
    }
}

/// The row for an event within a request (the request's actor, its operation as the action).
pub fn row(ctx: &Context, now: DateTime<Utc>, entry: Entry<'_>) -> AuditEventRow {
    actor_row(
        &ctx.actor,
        ctx.operation_id,
        Some(&ctx.request_id),
        now,
        entry,
    )
}

/// The row for an event by `actor`.
pub fn actor_row(
    actor: &Actor,
    action: &str,
    request_id: Option<&str>,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> AuditEventRow {
    AuditEventRow {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: now.naive_utc(),
        actor_type: actor.kind().into(),
        actor_id: actor.audit_id().map(str::to_owned),
        actor_name: actor.name().map(str::to_owned),
        action: action.to_owned(),
        target_type: Some(entry.target_type.to_owned()),
        target_id: Some(entry.target_id.to_owned()),
        outcome: entry.outcome.as_str().into(),
        request_id: request_id.map(str::to_owned),
        detail: entry.detail.map(|d| d.to_string()),
    }
}

/// Records a successful change concerning a user, in the caller's transaction.
pub fn record_user(
    conn: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    user_id: &str,
    detail: Value,
) -> AppResult<()> {
    insert(conn, &[user_row(ctx, now, user_id, detail)])
}

/// The row of a successful change concerning a user (for [`insert`] with others).
pub fn user_row(ctx: &Context, now: DateTime<Utc>, user_id: &str, detail: Value) -> AuditEventRow {
    row(ctx, now, success("user", user_id, Some(detail)))
}

/// Records events in the caller's transaction, in one statement.
pub fn insert(conn: &mut DbConn, rows: &[AuditEventRow]) -> AppResult<()> {
    audit_events::insert(conn, rows)?;
    Ok(())
}

/// Records one event in the caller's transaction.
pub fn record(
    conn: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    entry: Entry<'_>,
) -> AppResult<()> {
    insert(conn, &[row(ctx, now, entry)])
}

/// Records, in its own transaction, an event with no verified operator behind it or one refused
/// before it started (bad token, missing scope, a wrong public secret).
pub async fn record_outside_request(
    db: &Db,
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    action: &str,
    request_id: &str,
    outcome: Outcome,
    detail: Value,
) -> AppResult<()> {
    let row = outside_row(now, actor, action, request_id, outcome, detail);
    insert_outside(db, vec![row]).await
}

/// The row of an event outside an operator's request (see [`record_outside_request`]).
pub fn outside_row(
    now: DateTime<Utc>,
    actor: Option<&Actor>,
    action: &str,
    request_id: &str,
    outcome: Outcome,
    detail: Value,
) -> AuditEventRow {
    AuditEventRow {
        id: uuid::Uuid::now_v7().to_string(),
        occurred_at: now.naive_utc(),
        actor_type: actor.map_or("anonymous", Actor::kind).into(),
        actor_id: actor.and_then(Actor::audit_id).map(str::to_owned),
        actor_name: actor.and_then(|a| a.name().map(str::to_owned)),
        action: action.to_owned(),
        target_type: None,
        target_id: None,
        outcome: outcome.as_str().into(),
        request_id: Some(request_id.to_owned()),
        detail: Some(detail.to_string()),
    }
}

/// Writes such rows in their own transaction (nothing when there are none).
pub async fn insert_outside(db: &Db, rows: Vec<AuditEventRow>) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    db.write(move |conn| audit_events::insert(conn, &rows).map_err(AppError::from))
        .await
        .map(|_| ())
}

/// One page of events, newest first.
pub async fn list(db: &Db, query: ListAuditEventsQuery) -> AppResult<AuditEventPage> {
    let limit = page::limit(query.limit)?;
    let filter = AuditFilter {
        actor: query.actor,
        action: query.action,
        target: query.target,
        since: query.since.map(|t| t.naive_utc()),
        until: query.until.map(|t| t.naive_utc()),
        before_id: query
            .cursor
            .as_deref()
            .map(|c| page::decode_cursor("audit", c))
            .transpose()?,
    };
    let rows = db
        .read(move |conn| audit_events::list(conn, &filter, limit + 1).map_err(AppError::from))
        .await?;
    let (rows, next_cursor) = page::split(rows, limit, "audit", |row| row.id.clone());
    Ok(AuditEventPage {
        items: rows.into_iter().map(to_model).collect(),
        next_cursor,
    })
}

fn to_model(row: AuditEventRow) -> AuditEvent {
    AuditEvent {
        id: row.id,
        occurred_at: row.occurred_at.and_utc(),
        actor: AuditActor {
            actor_type: row.actor_type,
            id: row.actor_id,
            name: row.actor_name,
        },
        action: row.action,
        target: match (row.target_type, row.target_id) {
            (Some(target_type), Some(id)) => Some(AuditTarget { target_type, id }),
            _ => None,
        },
        outcome: row.outcome,
        request_id: row.request_id,
        detail: row.detail.and_then(|d| serde_json::from_str(&d).ok()),
    }
}
