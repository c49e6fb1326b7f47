//! The `users` table.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::users;
use crate::states::UserState;

/// A row of `users` (also what is inserted).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub state: UserState,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The confusable skeleton of the username (unique).
    pub username_skeleton: Option<String>,
    /// Case-folded username, display name and email, for `q` searches.
    pub search_text: Option<String>,
}

/// Changes to a row (`None` leaves a column; `Some(None)` clears a nullable one).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<Option<String>>,
    pub family_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub state: Option<UserState>,
    pub version: Option<i64>,
    pub updated_at: Option<NaiveDateTime>,
    pub username_skeleton: Option<Option<String>>,
    pub search_text: Option<Option<String>>,
}

/// Filters for listing.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub state: Option<UserState>,
    pub q: Option<String>,
    pub after_username: Option<String>,
}

/// Finds a user by id or by username.
/// A UUID-shaped key is an id (usernames may not look like one), anything else a username.
pub fn find(conn: &mut DbConn, id_or_username: &str) -> QueryResult<Option<UserRow>> {
    // Two fixed statements rather than one boxed query: fixed ones are prepared once per connection.
    let query = users::table.select(UserRow::as_select());
    match uuid::Uuid::try_parse(id_or_username) {
        Ok(id) => query
            .filter(users::id.eq(id.hyphenated().to_string()))
            .first(conn)
            .optional(),
        Err(_) => query
            .filter(users::username.eq(id_or_username.to_lowercase()))
            .first(conn)
            .optional(),
    }
}

// SQL `lower()`.
diesel::define_sql_function!(fn lower(text: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// The user with this email address, or with it as the username; the address compared without
/// regard to the case of ASCII letters, the same on both backends (SQLite's `lower()` folds ASCII
/// only and PostgreSQL's every letter, so both forms are asked for and the answer compared here).
pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<UserRow>> {
    let folded = email.to_ascii_lowercase();
    let found: Vec<UserRow> = users::table
        .filter(
            lower(users::email)
                .eq(folded.clone())
                .or(lower(users::email).eq(email.to_lowercase()))
                .or(users::username.eq(folded.clone())),
        )
        .select(UserRow::as_select())
        .limit(20)
        .load(conn)?;
    Ok(found.into_iter().find(|u| {
        u.username == folded
            || u.email.as_deref().map(str::to_ascii_lowercase).as_deref() == Some(folded.as_str())
    }))
}

/// The user whose username has this confusable skeleton, if any.
pub fn find_by_skeleton(conn: &mut DbConn, skeleton: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username_skeleton.eq(skeleton))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Users whose skeletons are in `skeletons`.
pub fn find_by_skeletons(conn: &mut DbConn, skeletons: &[String]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::username_skeleton.eq_any(skeletons))
        .select(UserRow::as_select())
        .load(conn)
}

/// Up to `limit` users whose derived columns are not filled yet (rows from before they existed).
pub fn without_derived(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::search_text.is_null())
        .select(UserRow::as_select())
        .limit(limit)
        .load(conn)
}

/// Sets the derived columns of one user.
pub fn set_derived(
    conn: &mut DbConn,
    id: &str,
    skeleton: &str,
    search_text: &str,
) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((
            users::username_skeleton.eq(skeleton),
            users::search_text.eq(search_text),
        ))
        .execute(conn)
}

/// Users whose usernames are in `usernames`.
pub fn find_by_usernames(conn: &mut DbConn, usernames: &[String]) -> QueryResult<Vec<UserRow>> {
    users::table
        .filter(users::username.eq_any(usernames))
        .select(UserRow::as_select())
        .load(conn)
}

/// Inserts users.
pub fn insert(conn: &mut DbConn, rows: &[UserRow]) -> QueryResult<usize> {
    crate::on_backend!(conn, |c| diesel::insert_into(users::table)
        .values(rows)
        .execute(c))
}

/// Updates a user if its version is still `expected_version`; returns the rows changed (0 or 1).
pub fn update(
    conn: &mut DbConn,
    id: &str,
    expected_version: i64,
    changes: &UserChanges,
) -> QueryResult<usize> {
    diesel::update(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(expected_version)),
    )
    .set(changes)
    .execute(conn)
}

/// Deletes a user if its version is still `expected_version`.
pub fn delete(conn: &mut DbConn, id: &str, expected_version: i64) -> QueryResult<usize> {
    diesel::delete(
        users::table
            .filter(users::id.eq(id))
            .filter(users::version.eq(expected_version)),
    )
    .execute(conn)
}

/// One page of users ordered by username.
pub fn list(conn: &mut DbConn, filter: &UserFilter, limit: i64) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .limit(limit)
        .into_boxed();
    if let Some(state) = &filter.state {
        query = query.filter(users::state.eq(*state));
    }
    if let Some(q) = &filter.q {
        // `q` arrives case-folded by the service, as `search_text` was stored.
        let pattern = format!("%{}%", escape_like(q));
        query = query.filter(users::search_text.like(pattern).escape('\\'));
    }
    if let Some(after) = &filter.after_username {
        query = query.filter(users::username.gt(after.clone()));
    }
    query.load(conn)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Users whose id or username is in `keys` (in batches).
pub fn find_many(conn: &mut DbConn, keys: &[String]) -> QueryResult<Vec<UserRow>> {
    let mut found = Vec::new();
    for chunk in keys.chunks(400) {
        let (ids, names): (Vec<&String>, Vec<&String>) =
            chunk.iter().partition(|k| uuid::Uuid::try_parse(k).is_ok());
        let lowered: Vec<String> = names.iter().map(|k| k.to_lowercase()).collect();
        found.extend(
            users::table
                .filter(users::id.eq_any(ids).or(users::username.eq_any(&lowered)))
                .select(UserRow::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}
