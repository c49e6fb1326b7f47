//! The `idempotency_keys` table: the stored answer to a request made with an `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::idempotency_keys;

/// A stored answer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRow {
    pub key: String,
    pub operator_id: String,
    pub operation: String,
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
    pub created_at: NaiveDateTime,
}

/// The stored answer for a key, if any.
pub fn find(
    conn: &mut DbConn,
    key: &str,
    operator_id: &str,
    operation: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    idempotency_keys::table
        .filter(idempotency_keys::key.eq(key))
        .filter(idempotency_keys::operator_id.eq(operator_id))
        .filter(idempotency_keys::operation.eq(operation))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .optional()
}

/// Stores an answer (a concurrent duplicate fails with a unique violation).
pub fn insert(conn: &mut DbConn, row: &IdempotencyRow) -> QueryResult<usize> {
    diesel::insert_into(idempotency_keys::table)
        .values(row)
        .execute(conn)
}

/// Stores the answer for a claimed key.
pub fn complete(
    conn: &mut DbConn,
    key: &str,
    operator_id: &str,
    operation: &str,
    status: i32,
    body: &str,
) -> QueryResult<usize> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::operator_id.eq(operator_id))
            .filter(idempotency_keys::operation.eq(operation)),
    )
    .set((
        idempotency_keys::response_status.eq(status),
        idempotency_keys::response_body.eq(body),
    ))
    .execute(conn)
}

/// Lets go of a claim whose request failed (only while it has no answer), so a retry runs again.
pub fn release(
    conn: &mut DbConn,
    key: &str,
    operator_id: &str,
    operation: &str,
    running: i32,
) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::key.eq(key))
            .filter(idempotency_keys::operator_id.eq(operator_id))
            .filter(idempotency_keys::operation.eq(operation))
            .filter(idempotency_keys::response_status.eq(running)),
    )
    .execute(conn)
}

/// Deletes stored answers created before `before`.
pub fn purge_before(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}
