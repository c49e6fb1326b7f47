//! The `code_challenges` table: codes a user reads back, for identity verifications and enrollment
//! challenges (`purpose`).
//! Codes are stored only as keyed hashes; attempts are counted with conditional updates.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::code_challenges;

/// A row of `challenges`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = code_challenges)]
pub struct CodeChallengeRow {
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
pub fn insert(conn: &mut DbConn, row: &CodeChallengeRow) -> QueryResult<usize> {
    diesel::insert_into(code_challenges::table)
        .values(row)
        .execute(conn)
}

/// One challenge.
pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<CodeChallengeRow>> {
    code_challenges::table
        .filter(code_challenges::id.eq(id))
        .select(CodeChallengeRow::as_select())
        .first(conn)
        .optional()
}

/// Counts one attempt before the code is compared: succeeds (1) only while the challenge is open,
/// unexpired and under its attempt cap, so parallel guesses can never exceed the cap.
pub fn count_attempt(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        code_challenges::table
            .filter(code_challenges::id.eq(id))
            .filter(code_challenges::consumed_at.is_null())
            .filter(code_challenges::expires_at.gt(now))
            .filter(code_challenges::failed_attempts.lt(code_challenges::max_attempts)),
    )
    .set(code_challenges::failed_attempts.eq(code_challenges::failed_attempts + 1))
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
        code_challenges::table
            .filter(code_challenges::id.eq(id))
            .filter(code_challenges::consumed_at.is_null()),
    )
    .set((
        code_challenges::consumed_at.eq(now),
        code_challenges::verified_until.eq(verified_until),
        code_challenges::failed_attempts.eq(code_challenges::failed_attempts - 1),
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
        code_challenges::table
            .filter(code_challenges::id.eq(id))
            .filter(code_challenges::consumed_at.is_null()),
    )
    .set((
        code_challenges::code_hash.eq(code_hash),
        code_challenges::expires_at.eq(expires_at),
        code_challenges::last_sent_at.eq(now),
        code_challenges::send_count.eq(code_challenges::send_count + 1),
    ))
    .execute(conn)
}

/// The newest verification of `user_id` by `operator_id` still open at `now`.
pub fn open_verification(
    conn: &mut DbConn,
    user_id: &str,
    operator_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<CodeChallengeRow>> {
    code_challenges::table
        .filter(code_challenges::user_id.eq(user_id))
        .filter(code_challenges::operator_id.eq(operator_id))
        .filter(code_challenges::purpose.eq("identity_verification"))
        .filter(code_challenges::verified_until.gt(now))
        .order(code_challenges::verified_until.desc())
        .select(CodeChallengeRow::as_select())
        .first(conn)
        .optional()
}
