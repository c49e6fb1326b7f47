//! The `settings` table: small JSON documents by key.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::settings;

/// The stored JSON for `key`, if any.
pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .filter(settings::key.eq(key))
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key` (update, or insert when absent).
pub fn put(
    conn: &mut DbConn,
    key: &str,
    value: &str,
    now: NaiveDateTime,
    by: &str,
) -> QueryResult<()> {
    let updated = diesel::update(settings::table.filter(settings::key.eq(key)))
        .set((
            settings::value.eq(value),
            settings::updated_at.eq(now),
            settings::updated_by.eq(by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(key),
                settings::value.eq(value),
                settings::updated_at.eq(now),
                settings::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}
