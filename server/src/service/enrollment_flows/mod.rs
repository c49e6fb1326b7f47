//! Enrollment flows: who may petition, how the email is verified, which identity sources are
//! consulted and how, and what finalizing starts. Reads and the stored form here; changes in
//! `change`, checks in `check`.

mod change;
mod check;

pub use change::{create, delete, update};

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::page;
use crate::db::enrollment_flows::{self as rows, FlowRow, FlowSourceRow};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::model::enrollment_flows::{
    EmailVerification, EnrollmentFlow, EnrollmentFlowPage, FlowAuthorization, FlowSource, FollowUp,
    ListEnrollmentFlowsQuery, OnDuplicate,
};

/// Default of `invitation_validity_hours`.
pub const DEFAULT_VALIDITY_HOURS: u32 = 24;

/// The `settings` column: the flow's scalar options.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stored {
    /// Whether approval is required.
    pub approval_required: bool,
    /// `code` or `link`.
    pub email_verification: EmailVerification,
    /// How long links work.
    pub invitation_validity_hours: u32,
    /// What finalizing starts.
    pub follow_up: FollowUp,
    /// What happens to duplicates.
    pub on_duplicate: OnDuplicate,
}

/// A flow with its ETag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Versioned {
    /// The flow.
    pub flow: EnrollmentFlow,
    /// Its ETag.
    pub etag: String,
}

/// A flow as the petition steps use it: the row, its options and its attachments.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The row.
    pub row: FlowRow,
    /// Its options.
    pub stored: Stored,
    /// Its attached sources with their names, in order.
    pub sources: Vec<(FlowSourceRow, String)>,
}

/// The stored options of a row.
pub fn stored_of(row: &FlowRow) -> AppResult<Stored> {
    serde_json::from_str(&row.settings)
        .map_err(|e| AppError::internal(format!("enrollment flow {}: settings: {e}", row.id)))
}

/// The public page of a self-signup flow.
pub fn join_url(public_url: &str, name: &str) -> String {
    format!("{public_url}/join/{name}")
}

fn to_model(
    public_url: &str,
    row: FlowRow,
    sources: Vec<(FlowSourceRow, String)>,
) -> AppResult<EnrollmentFlow> {
    let stored = stored_of(&row)?;
    Ok(EnrollmentFlow {
        join_url: (row.authorization_kind == FlowAuthorization::SelfSignup)
            .then(|| join_url(public_url, &row.name)),
        sources: sources
            .into_iter()
            .map(|(attached, source)| FlowSource {
                source_id: attached.source_id,
                source,
                mode: attached.mode,
                verify_family_name: attached.verify_family_name,
            })
            .collect(),
        id: row.id,
        name: row.name,
        description: row.description,
        authorization: row.authorization_kind,
        approval_required: stored.approval_required,
        email_verification: stored.email_verification,
        invitation_validity_hours: stored.invitation_validity_hours,
        follow_up: stored.follow_up,
        on_duplicate: stored.on_duplicate,
        enabled: row.enabled,
        created_by: row.created_by,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn versioned(conn: &mut DbConn, public_url: &str, row: FlowRow) -> AppResult<Versioned> {
    let sources = rows::sources_of(conn, std::slice::from_ref(&row.id))?;
    let flow = to_model(public_url, row, sources)?;
    Ok(Versioned {
        etag: super::versions::tag_of(&flow),
        flow,
    })
}

/// The flow with this id or name, or `NotFound`.
pub fn find_required(conn: &mut DbConn, flow: &str) -> AppResult<FlowRow> {
    rows::find(conn, flow)?.ok_or_else(|| AppError::NotFound {
        kind: "enrollment flow",
        id: flow.to_owned(),
    })
}

/// The flow with its options and attachments, or `NotFound`.
pub fn load(conn: &mut DbConn, flow: &str) -> AppResult<Loaded> {
    let row = find_required(conn, flow)?;
    Ok(Loaded {
        stored: stored_of(&row)?,
        sources: rows::sources_of(conn, std::slice::from_ref(&row.id))?,
        row,
    })
}

/// One flow.
pub async fn get(db: &Db, public_url: &str, flow: String) -> AppResult<Versioned> {
    let public_url = public_url.to_owned();
    db.read(move |conn| {
        let row = find_required(conn, &flow)?;
        versioned(conn, &public_url, row)
    })
    .await
}

/// A page of flows by name.
pub async fn list(
    db: &Db,
    public_url: &str,
    query: ListEnrollmentFlowsQuery,
) -> AppResult<EnrollmentFlowPage> {
    let limit = page::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("enrollment-flows", c))
        .transpose()?;
    let public_url = public_url.to_owned();
    db.read(move |conn| {
        let rows = rows::list(conn, after.as_deref(), limit + 1)?;
        let (rows, next_cursor) = page::split(rows, limit, "enrollment-flows", |r| r.name.clone());
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut attached: HashMap<String, Vec<(FlowSourceRow, String)>> = HashMap::new();
        for (source, name) in rows::sources_of(conn, &ids)? {
            attached
                .entry(source.flow_id.clone())
                .or_default()
                .push((source, name));
        }
        let items = rows
            .into_iter()
            .map(|row| {
                let sources = attached.remove(&row.id).unwrap_or_default();
                to_model(&public_url, row, sources)
            })
            .collect::<AppResult<_>>()?;
        Ok(EnrollmentFlowPage { items, next_cursor })
    })
    .await
}
