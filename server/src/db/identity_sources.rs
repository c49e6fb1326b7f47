//! The `identity_sources` table: each source's name, kind and settings (JSON text, with no secrets:
//! those are named, read when used).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::identity_sources;
use crate::states::SourceKind;

/// A row of `identity_sources`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = identity_sources)]
#[diesel(treat_none_as_null = true)]
pub struct SourceRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: SourceKind,
    pub settings: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Stores a new source.
pub fn insert(conn: &mut DbConn, row: &SourceRow) -> QueryResult<usize> {
    diesel::insert_into(identity_sources::table)
        .values(row)
        .execute(conn)
}

/// The source with this id or name.
pub fn find(conn: &mut DbConn, id_or_name: &str) -> QueryResult<Option<SourceRow>> {
    identity_sources::table
        .filter(
            identity_sources::id
                .eq(id_or_name)
                .or(identity_sources::name.eq(id_or_name)),
        )
        .select(SourceRow::as_select())
        .first(conn)
        .optional()
}

/// One page of sources by name, after `after_name`.
pub fn list(
    conn: &mut DbConn,
    kind: Option<SourceKind>,
    after_name: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<SourceRow>> {
    let mut query = identity_sources::table
        .select(SourceRow::as_select())
        .order(identity_sources::name.asc())
        .limit(limit)
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(identity_sources::kind.eq(kind));
    }
    if let Some(after) = after_name {
        query = query.filter(identity_sources::name.gt(after.to_owned()));
    }
    query.load(conn)
}

/// Writes a changed source.
pub fn update(conn: &mut DbConn, row: &SourceRow) -> QueryResult<usize> {
    diesel::update(identity_sources::table.filter(identity_sources::id.eq(&row.id)))
        .set(row)
        .execute(conn)
}

/// Deletes a source.
pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<usize> {
    diesel::delete(identity_sources::table.filter(identity_sources::id.eq(id))).execute(conn)
}
