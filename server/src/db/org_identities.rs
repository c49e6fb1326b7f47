//! The `org_identities` table: records from identity sources linked to a petition and, once it is
//! finalized, to the user. One row per source record (`UNIQUE (source_id, source_key)`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{identity_sources, org_identities};

/// A row of `org_identities`.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = org_identities)]
#[diesel(treat_none_as_null = true)]
pub struct IdentityRow {
    pub id: String,
    pub source_id: String,
    pub source_key: String,
    pub petition_id: Option<String>,
    pub user_id: Option<String>,
    pub enrollee: bool,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub emails: String,
    pub attributes: String,
    pub fetched_at: NaiveDateTime,
}

/// The identity for a source record.
pub fn find_record(
    conn: &mut DbConn,
    source_id: &str,
    source_key: &str,
) -> QueryResult<Option<IdentityRow>> {
    org_identities::table
        .filter(org_identities::source_id.eq(source_id))
        .filter(org_identities::source_key.eq(source_key))
        .select(IdentityRow::as_select())
        .first(conn)
        .optional()
}

/// Stores a new identity, or rewrites the one for the same record.
pub fn upsert(conn: &mut DbConn, row: &IdentityRow) -> QueryResult<usize> {
    match find_record(conn, &row.source_id, &row.source_key)? {
        Some(existing) => {
            // A record an administrator selected stays the enrollee identity when a search finds it too.
            let row = IdentityRow {
                id: existing.id,
                enrollee: row.enrollee
                    || (existing.enrollee && existing.petition_id == row.petition_id),
                ..row.clone()
            };
            diesel::update(org_identities::table.find(&row.id))
                .set(&row)
                .execute(conn)
        }
        None => diesel::insert_into(org_identities::table)
            .values(row)
            .execute(conn),
    }
}

/// A petition's identities with their sources' names.
pub fn of_petition(
    conn: &mut DbConn,
    petition_id: &str,
) -> QueryResult<Vec<(IdentityRow, String)>> {
    org_identities::table
        .inner_join(identity_sources::table)
        .filter(org_identities::petition_id.eq(petition_id))
        .order(org_identities::id.asc())
        .select((IdentityRow::as_select(), identity_sources::name))
        .load(conn)
}

/// A user's identities with their sources' names.
pub fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<(IdentityRow, String)>> {
    org_identities::table
        .inner_join(identity_sources::table)
        .filter(org_identities::user_id.eq(user_id))
        .order((identity_sources::name.asc(), org_identities::id.asc()))
        .select((IdentityRow::as_select(), identity_sources::name))
        .load(conn)
}

/// Hands a petition's identities to its user.
pub fn link_to_user(conn: &mut DbConn, petition_id: &str, user_id: &str) -> QueryResult<usize> {
    diesel::update(org_identities::table.filter(org_identities::petition_id.eq(petition_id)))
        .set(org_identities::user_id.eq(user_id))
        .execute(conn)
}

/// Writes an identity read again from its source.
pub fn update(conn: &mut DbConn, row: &IdentityRow) -> QueryResult<usize> {
    diesel::update(org_identities::table.find(&row.id))
        .set(row)
        .execute(conn)
}

/// Whether a source has identities linked.
pub fn any_of_source(conn: &mut DbConn, source_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        org_identities::table.filter(org_identities::source_id.eq(source_id)),
    ))
    .get_result(conn)
}
