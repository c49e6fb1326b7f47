//! The `petitions` table and each petition's `petition_history`. A state change is a guarded update
//! (`where status = from`), so two requests can never both move a petition on from one state; the
//! confirmation of the address is guarded the same way on its not being confirmed yet.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{petition_history, petitions};
use crate::states::PetitionStatus;

/// A row of `petitions`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = petitions)]
#[diesel(treat_none_as_null = true)]
pub struct PetitionRow {
    pub id: String,
    pub flow_id: String,
    pub status: PetitionStatus,
    pub email: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email_confirmed_at: Option<NaiveDateTime>,
    pub code_hash: Option<String>,
    pub failed_attempts: i32,
    pub expires_at: NaiveDateTime,
    pub user_id: Option<String>,
    pub link_user_id: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub decided_by: Option<String>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_comment: Option<String>,
}

/// A row of `petition_history`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = petition_history)]
pub struct HistoryRow {
    pub id: String,
    pub petition_id: String,
    pub event: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub detail: Option<String>,
    pub at: NaiveDateTime,
}

/// Stores a new petition.
pub fn insert(conn: &mut DbConn, row: &PetitionRow) -> QueryResult<usize> {
    diesel::insert_into(petitions::table)
        .values(row)
        .execute(conn)
}

/// The petition with this id.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<PetitionRow>> {
    petitions::table
        .find(id)
        .select(PetitionRow::as_select())
        .first(conn)
        .optional()
}

/// One page of petitions, newest first, before `before_id`.
pub fn list(
    conn: &mut DbConn,
    status: Option<PetitionStatus>,
    flow_id: Option<&str>,
    before_id: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<PetitionRow>> {
    let mut query = petitions::table
        .select(PetitionRow::as_select())
        .order(petitions::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(petitions::status.eq(status));
    }
    if let Some(flow_id) = flow_id {
        query = query.filter(petitions::flow_id.eq(flow_id.to_owned()));
    }
    if let Some(before) = before_id {
        query = query.filter(petitions::id.lt(before.to_owned()));
    }
    query.load(conn)
}

/// Writes a petition that is still in the state `from`; the rows written (0: it moved meanwhile).
pub fn update_from(
    conn: &mut DbConn,
    from: PetitionStatus,
    row: &PetitionRow,
) -> QueryResult<usize> {
    diesel::update(
        petitions::table
            .filter(petitions::id.eq(&row.id))
            .filter(petitions::status.eq(from)),
    )
    .set(row)
    .execute(conn)
}

/// Counts one attempt at the code of a petition still waiting for its address to be confirmed,
/// under the cap; the rows written (0: no attempt left, or the petition moved on).
pub fn count_attempt(conn: &mut DbConn, id: &str, cap: i32) -> QueryResult<usize> {
    diesel::update(
        petitions::table
            .filter(petitions::id.eq(id))
            .filter(petitions::status.eq(PetitionStatus::PendingConfirmation))
            .filter(petitions::email_confirmed_at.is_null())
            .filter(petitions::failed_attempts.lt(cap)),
    )
    .set(petitions::failed_attempts.eq(petitions::failed_attempts + 1))
    .execute(conn)
}

/// Writes a petition whose address is being confirmed now, only if it is still pending and not
/// confirmed yet (two confirmations cannot both take effect); the rows written.
pub fn confirm(conn: &mut DbConn, row: &PetitionRow) -> QueryResult<usize> {
    diesel::update(
        petitions::table
            .filter(petitions::id.eq(&row.id))
            .filter(petitions::status.eq(PetitionStatus::PendingConfirmation))
            .filter(petitions::email_confirmed_at.is_null()),
    )
    .set(row)
    .execute(conn)
}

/// Up to `limit` petitions whose link lapsed before their address was confirmed.
pub fn lapsed(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<PetitionRow>> {
    petitions::table
        .filter(petitions::status.eq(PetitionStatus::PendingConfirmation))
        .filter(petitions::email_confirmed_at.is_null())
        .filter(petitions::expires_at.le(now))
        .order(petitions::id.asc())
        .limit(limit)
        .select(PetitionRow::as_select())
        .load(conn)
}

/// Whether any petition was made in this flow.
pub fn any_in_flow(conn: &mut DbConn, flow_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        petitions::table.filter(petitions::flow_id.eq(flow_id)),
    ))
    .get_result(conn)
}

/// Appends to petitions' histories.
pub fn add_history(conn: &mut DbConn, rows: &[HistoryRow]) -> QueryResult<usize> {
    crate::on_backend!(conn, |c| diesel::insert_into(petition_history::table)
        .values(rows)
        .execute(c))
}

/// A petition's history, oldest first.
pub fn history(conn: &mut DbConn, petition_id: &str) -> QueryResult<Vec<HistoryRow>> {
    petition_history::table
        .filter(petition_history::petition_id.eq(petition_id))
        .order(petition_history::id.asc())
        .select(HistoryRow::as_select())
        .load(conn)
}
