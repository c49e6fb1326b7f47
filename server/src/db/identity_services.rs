//! The `identity_services` table: the per-service settings operators may change.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::identity_services;

/// A row of `identity_services`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = identity_services)]
pub struct IdentityServiceRow {
    pub id: String,
    pub display_name: String,
    pub enabled: bool,
    pub agent_can_enroll: bool,
    pub removable: bool,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
}

/// Changes to a service's settings.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = identity_services)]
pub struct IdentityServiceChanges {
    pub enabled: Option<bool>,
    pub agent_can_enroll: Option<bool>,
    pub removable: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
    pub updated_by: Option<Option<String>>,
}

/// Every service, by id.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<IdentityServiceRow>> {
    identity_services::table
        .select(IdentityServiceRow::as_select())
        .order(identity_services::id.asc())
        .load(conn)
}

/// One service.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<IdentityServiceRow>> {
    identity_services::table
        .filter(identity_services::id.eq(id))
        .select(IdentityServiceRow::as_select())
        .first(conn)
        .optional()
}

/// Changes one service.
pub fn update(conn: &mut DbConn, id: &str, changes: &IdentityServiceChanges) -> QueryResult<usize> {
    diesel::update(identity_services::table.filter(identity_services::id.eq(id)))
        .set(changes)
        .execute(conn)
}
