//! The `challenges` table: codes sent to a user and read back (identity verification, enrollment).
//! Codes are stored only as keyed hashes; attempts are counted with conditional updates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::challenges;

/// A row of `challenges`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = challenges)]
pub struct ChallengeRow {
    pub id: String,
    pub purpose: String,
    pub user_id: String,
    pub operator_id: String,
    pub service_id: Option<String>,
    pub channel: String,
    pub address: String,
    pub code_hash: String,
    pub expires_at: NaiveDateTime,
    pub failed_attempts: i32,
    pub max_attempts: i32,
    pub send_count: i32,
    pub last_sent_at: NaiveDateTime,
    pub consumed_at: Option<NaiveDateTime>,
    pub verified_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

/// Stores a new challenge.
pub fn insert(conn: &mut DbConn, row: &ChallengeRow) -> QueryResult<usize> {
    diesel::insert_into(challenges::table)
        .values(row)
        .execute(conn)
}

/// One challenge.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<ChallengeRow>> {
    challenges::table
        .filter(challenges::id.eq(id))
        .select(ChallengeRow::as_select())
        .first(conn)
        .optional()
}

/// Counts one attempt before the code is compared: succeeds (1) only while the challenge is open,
/// unexpired and under its attempt cap, so parallel guesses can never exceed the cap.
pub fn count_attempt(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        challenges::table
            .filter(challenges::id.eq(id))
            .filter(challenges::consumed_at.is_null())
            .filter(challenges::expires_at.gt(now))
            .filter(challenges::failed_attempts.lt(challenges::max_attempts)),
    )
    .set(challenges::failed_attempts.eq(challenges::failed_attempts + 1))
    .execute(conn)
}

/// Consumes the challenge after a correct code (taking back the attempt counted for it); exactly one
/// of any number of concurrent callers gets 1.
pub fn consume(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    verified_until: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    diesel::update(
        challenges::table
            .filter(challenges::id.eq(id))
            .filter(challenges::consumed_at.is_null()),
    )
    .set((
        challenges::consumed_at.eq(now),
        challenges::verified_until.eq(verified_until),
        challenges::failed_attempts.eq(challenges::failed_attempts - 1),
    ))
    .execute(conn)
}

/// Replaces the code of an open challenge for a resend (the failure count is kept).
pub fn resend(
    conn: &mut DbConn,
    id: &str,
    code_hash: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        challenges::table
            .filter(challenges::id.eq(id))
            .filter(challenges::consumed_at.is_null()),
    )
    .set((
        challenges::code_hash.eq(code_hash),
        challenges::expires_at.eq(expires_at),
        challenges::last_sent_at.eq(now),
        challenges::send_count.eq(challenges::send_count + 1),
    ))
    .execute(conn)
}

/// The newest verification of `user_id` by `operator_id` still open at `now`.
pub fn open_verification(
    conn: &mut DbConn,
    user_id: &str,
    operator_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<ChallengeRow>> {
    challenges::table
        .filter(challenges::user_id.eq(user_id))
        .filter(challenges::operator_id.eq(operator_id))
        .filter(challenges::purpose.eq("identity_verification"))
        .filter(challenges::verified_until.gt(now))
        .order(challenges::verified_until.desc())
        .select(ChallengeRow::as_select())
        .first(conn)
        .optional()
}
