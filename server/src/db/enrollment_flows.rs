//! The `enrollment_flows` table (scalar settings as JSON text) and `flow_sources`, the identity
//! sources attached to each flow in order (a source in use cannot be deleted).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{enrollment_flows, flow_sources, identity_sources};
use crate::states::{FlowAuthorization, SourceMode};

/// A row of `enrollment_flows`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = enrollment_flows)]
#[diesel(treat_none_as_null = true)]
pub struct FlowRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub authorization_kind: FlowAuthorization,
    pub settings: String,
    pub enabled: bool,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A row of `flow_sources`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = flow_sources)]
pub struct FlowSourceRow {
    pub flow_id: String,
    pub position: i32,
    pub source_id: String,
    pub mode: SourceMode,
    pub verify_family_name: bool,
}

/// Stores a new flow.
pub fn insert(conn: &mut DbConn, row: &FlowRow) -> QueryResult<usize> {
    diesel::insert_into(enrollment_flows::table)
        .values(row)
        .execute(conn)
}

/// The flow with this id or name.
pub fn find(conn: &mut DbConn, id_or_name: &str) -> QueryResult<Option<FlowRow>> {
    enrollment_flows::table
        .filter(
            enrollment_flows::id
                .eq(id_or_name)
                .or(enrollment_flows::name.eq(id_or_name)),
        )
        .select(FlowRow::as_select())
        .first(conn)
        .optional()
}

/// One page of flows by name, after `after_name`.
pub fn list(conn: &mut DbConn, after_name: Option<&str>, limit: i64) -> QueryResult<Vec<FlowRow>> {
    let mut query = enrollment_flows::table
        .select(FlowRow::as_select())
        .order(enrollment_flows::name.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after_name {
        query = query.filter(enrollment_flows::name.gt(after.to_owned()));
    }
    query.load(conn)
}

/// Writes a changed flow.
pub fn update(conn: &mut DbConn, row: &FlowRow) -> QueryResult<usize> {
    diesel::update(enrollment_flows::table.filter(enrollment_flows::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

/// Deletes a flow (its attachments go with it).
pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(flow_sources::table.filter(flow_sources::flow_id.eq(id))).execute(conn)?;
    diesel::delete(enrollment_flows::table.filter(enrollment_flows::id.eq(id))).execute(conn)
}

/// The attached sources of these flows, in order, with each source's name.
pub fn sources_of(
    conn: &mut DbConn,
    flow_ids: &[String],
) -> QueryResult<Vec<(FlowSourceRow, String)>> {
    flow_sources::table
        .inner_join(identity_sources::table)
        .filter(flow_sources::flow_id.eq_any(flow_ids))
        .order((flow_sources::flow_id.asc(), flow_sources::position.asc()))
        .select((FlowSourceRow::as_select(), identity_sources::name))
        .load(conn)
}

/// Replaces a flow's attached sources.
pub fn set_sources(conn: &mut DbConn, flow_id: &str, rows: &[FlowSourceRow]) -> QueryResult<()> {
    diesel::delete(flow_sources::table.filter(flow_sources::flow_id.eq(flow_id))).execute(conn)?;
    if !rows.is_empty() {
        crate::on_backend!(conn, |c| diesel::insert_into(flow_sources::table)
            .values(rows)
            .execute(c))?;
    }
    Ok(())
}

/// The names of the flows a source is attached to.
pub fn flows_using(conn: &mut DbConn, source_id: &str) -> QueryResult<Vec<String>> {
    flow_sources::table
        .inner_join(enrollment_flows::table)
        .filter(flow_sources::source_id.eq(source_id))
        .select(enrollment_flows::name)
        .distinct()
        .load(conn)
}
