//! The `rate_limits` table: fixed-window counters shared by every replica.

use diesel::prelude::*;

use super::DbConn;
use super::schema::rate_limits;

/// Takes one unit from the counter `key` in window `window_start` if it is under `limit`.
/// Returns whether it was taken. Safe across replicas: the increment is conditional, and a first
/// insert that races another is retried as an increment (inside a savepoint).
pub fn take(conn: &mut DbConn, key: &str, window_start: i64, limit: i32) -> QueryResult<bool> {
    for _ in 0..2 {
        let incremented = diesel::update(
            rate_limits::table
                .filter(rate_limits::key.eq(key))
                .filter(rate_limits::window_start.eq(window_start))
                .filter(rate_limits::count.lt(limit)),
        )
        .set(rate_limits::count.eq(rate_limits::count + 1))
        .execute(conn)?;
        if incremented == 1 {
            return Ok(true);
        }
        let exists = rate_limits::table
            .filter(rate_limits::key.eq(key))
            .filter(rate_limits::window_start.eq(window_start))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if exists {
            return Ok(false);
        }
        let inserted = conn.transaction(|tx| {
            diesel::insert_into(rate_limits::table)
                .values((
                    rate_limits::key.eq(key),
                    rate_limits::window_start.eq(window_start),
                    rate_limits::count.eq(1),
                ))
                .execute(tx)
        });
        match inserted {
            Ok(_) => return Ok(limit >= 1),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                continue;
            }
            Err(other) => return Err(other),
        }
    }
    Ok(false)
}

/// The counter `key` in window `window_start` (0 when absent).
pub fn count(conn: &mut DbConn, key: &str, window_start: i64) -> QueryResult<i32> {
    rate_limits::table
        .filter(rate_limits::key.eq(key))
        .filter(rate_limits::window_start.eq(window_start))
        .select(rate_limits::count)
        .first(conn)
        .optional()
        .map(Option::unwrap_or_default)
}

/// Deletes counters whose window started before `before` (seconds since the epoch).
pub fn purge_before(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before))).execute(conn)
}
