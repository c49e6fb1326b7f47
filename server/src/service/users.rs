//! The user directory.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::validate::Checks;
use super::{Context, Deps, audit, page, transaction, write};
use crate::db::users::{self as rows, UserChanges, UserFilter};
use crate::db::{Db, DbConn, audit_events};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::model::users::{
    CreateUser, ImportRowResult, ImportStatus, ImportUsers, ImportUsersResult, ListUsersQuery,
    UpdateUser, User, UserPage, UserState,
};
use crate::service::mutation::{self, Answered, Effect, Mode};

/// The ETag of a user version.
pub fn etag(version: i64) -> String {
    format!("\"v{version}\"")
}

fn to_model(row: rows::UserRow) -> User {
    User {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        given_name: row.given_name,
        family_name: row.family_name,
        email: row.email,
        phone: row.phone,
        state: row.state,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    }
}

/// A user with its version (for the ETag).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Versioned {
    /// The user.
    pub user: User,
    /// Its ETag.
    pub etag: String,
}

fn versioned(row: rows::UserRow) -> Versioned {
    let etag = etag(row.version);
    Versioned {
        user: to_model(row),
        etag,
    }
}

/// Finds a user by id or username inside a transaction, or `NotFound`.
pub fn find_required(conn: &mut DbConn, user: &str) -> AppResult<rows::UserRow> {
    rows::find(conn, user)?.ok_or_else(|| AppError::NotFound {
        kind: "user",
        id: user.to_owned(),
    })
}

/// The users a bulk request names (by id or username, any case), loaded at once.
pub struct Named {
    users: Vec<rows::UserRow>,
    index: HashMap<String, usize>,
}

impl Named {
    /// Loads the users that `keys` name.
    pub fn load(conn: &mut DbConn, keys: &[String]) -> AppResult<Self> {
        let users = rows::find_many(conn, keys)?;
        let index = users
            .iter()
            .enumerate()
            .flat_map(|(at, u)| [(u.id.clone(), at), (u.username.clone(), at)])
            .collect();
        Ok(Self { users, index })
    }

    /// The user a key names, if any.
    pub fn get(&self, key: &str) -> Option<&rows::UserRow> {
        let at = self
            .index
            .get(key)
            .or_else(|| self.index.get(&key.to_lowercase()))?;
        self.users.get(*at)
    }

    /// The ids of every user found.
    pub fn ids(&self) -> Vec<String> {
        self.users.iter().map(|u| u.id.clone()).collect()
    }
}

/// Refuses (409 `user_disabled`) a user who is not active.
pub fn require_active(user: &rows::UserRow) -> AppResult<()> {
    if user.state == UserState::Active {
        return Ok(());
    }
    Err(AppError::Conflict {
        code: ErrorCode::UserDisabled,
        message: format!("{} is disabled", user.username),
    })
}

/// Fills the columns computed from a row's text: the username's confusable skeleton, and the
/// case-folded text that `q` searches.
fn with_derived(mut row: rows::UserRow) -> rows::UserRow {
    row.username_skeleton = Some(crate::text::skeleton(&row.username));
    row.search_text = Some(search_text(&row));
    row
}

fn search_text(row: &rows::UserRow) -> String {
    crate::text::fold(&format!(
        "{}\n{}\n{}",
        row.username,
        row.display_name,
        row.email.as_deref().unwrap_or_default()
    ))
}

/// Refuses a username that is, or looks like, another user's (`except` is the user being renamed).
/// `row` carries its derived columns ([`with_derived`]).
fn check_username_free(
    tx: &mut DbConn,
    row: &rows::UserRow,
    except: Option<&str>,
) -> AppResult<()> {
    let skeleton = row.username_skeleton.as_deref().unwrap_or_default();
    let taken = rows::find(tx, &row.username)?
        .or(rows::find_by_skeleton(tx, skeleton)?)
        .filter(|other| Some(other.id.as_str()) != except);
    match taken {
        Some(other) if other.username == row.username => Err(AppError::Conflict {
            code: ErrorCode::UsernameTaken,
            message: format!("a user named {:?} exists", row.username),
        }),
        Some(other) => Err(AppError::Conflict {
            code: ErrorCode::UsernameConfusable,
            message: format!(
                "the username {:?} looks like the existing username {:?}",
                row.username, other.username
            ),
        }),
        None => Ok(()),
    }
}

/// Fills the derived columns of rows written before they existed (run at start-up).
pub fn backfill_derived(conn: &mut DbConn) -> AppResult<usize> {
    let mut done = 0;
    loop {
        let batch = rows::without_derived(conn, 500)?;
        if batch.is_empty() {
            return Ok(done);
        }
        transaction(conn, Effect::Commit, |tx| {
            for row in batch {
                let row = with_derived(row);
                let skeleton = row.username_skeleton.unwrap_or_default();
                let search_text = row.search_text.unwrap_or_default();
                // Two old look-alikes cannot share the unique skeleton: the later one keeps its own name.
                let skeleton = match rows::find_by_skeleton(tx, &skeleton)? {
                    Some(other) if other.id != row.id => format!("{skeleton}#{}", row.id),
                    _ => skeleton,
                };
                rows::set_derived(tx, &row.id, &skeleton, &search_text)?;
                done += 1;
            }
            Ok(())
        })?;
    }
}

/// Checks a new user, returning the row to insert (id and times filled) or the field errors.
fn check_new(
    input: &CreateUser,
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<rows::UserRow, Vec<crate::error::FieldError>> {
    let mut checks = Checks::with_prefix(prefix);
    let username = checks.username("username", &input.username);
    let display_name = checks
        .optional_text("display_name", input.display_name.as_deref(), 200)
        .unwrap_or_else(|| username.clone());
    let row = rows::UserRow {
        id: uuid::Uuid::now_v7().to_string(),
        display_name,
        given_name: checks.optional_text("given_name", input.given_name.as_deref(), 100),
        family_name: checks.optional_text("family_name", input.family_name.as_deref(), 100),
        email: checks.email("email", input.email.as_deref()),
        phone: checks.phone("phone", input.phone.as_deref()),
        username,
        state: input.state.unwrap_or(UserState::Active),
        version: 1,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
        username_skeleton: None,
        search_text: None,
    };
    if checks.errors.is_empty() {
        Ok(with_derived(row))
    } else {
        Err(checks.errors)
    }
}

/// Creates a user.
pub async fn create(
    deps: &Deps,
    ctx: &Context,
    input: CreateUser,
    mode: Mode,
) -> AppResult<Answered<Versioned>> {
    let now = deps.clock.now();
    let row = new_row(&input, now)?;
    let ctx_owned = ctx.clone();
    mutation::create_once(deps, ctx, &mode, input, move |tx, _| {
        insert_checked(tx, &ctx_owned, now, &row)?;
        find_required(tx, &row.id).map(versioned)
    })
    .await
}

/// The row of a new user, checked (field errors name the fields).
pub fn new_row(input: &CreateUser, now: DateTime<Utc>) -> AppResult<rows::UserRow> {
    check_new(input, "", now).map_err(AppError::Invalid)
}

/// Stores a checked new user with its audit row, inside a change's transaction; refused when the
/// username is taken or looks like one that is.
pub fn insert_checked(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    row: &rows::UserRow,
) -> AppResult<()> {
    check_username_free(tx, row, None)?;
    rows::insert(tx, std::slice::from_ref(row))?;
    audit::record(
        tx,
        ctx,
        now,
        audit::success("user", &row.id, Some(json!({"username": row.username}))),
    )
}

/// One user.
pub async fn get(db: &Db, user: String) -> AppResult<Versioned> {
    db.read(move |conn| find_required(conn, &user).map(versioned))
        .await
}

/// A page of users.
pub async fn list(db: &Db, query: ListUsersQuery) -> AppResult<UserPage> {
    let limit = page::limit(query.limit)?;
    let filter = UserFilter {
        state: query.state,
        q: query
            .q
            .filter(|q| !q.trim().is_empty())
            .map(|q| crate::text::fold(q.trim())),
        after_username: query
            .cursor
            .as_deref()
            .map(|c| page::decode_cursor("users", c))
            .transpose()?,
    };
    let rows = db
        .read(move |conn| rows::list(conn, &filter, limit + 1).map_err(AppError::from))
        .await?;
    let (rows, next_cursor) = page::split(rows, limit, "users", |row| row.username.clone());
    Ok(UserPage {
        items: rows.into_iter().map(to_model).collect(),
        next_cursor,
    })
}

fn check_if_match(if_match: Option<&str>, current: &rows::UserRow) -> AppResult<()> {
    super::versions::require(if_match, &etag(current.version))
}

/// The row as it is after `changes`.
fn merge(current: &rows::UserRow, changes: &UserChanges) -> rows::UserRow {
    let mut row = current.clone();
    if let Some(username) = &changes.username {
        row.username = username.clone();
    }
    if let Some(display_name) = &changes.display_name {
        row.display_name = display_name.clone();
    }
    if let Some(email) = &changes.email {
        row.email = email.clone();
    }
    row
}

/// The changes an update asks for, each field checked (422 naming every invalid one).
fn checked_changes(input: &UpdateUser, now: DateTime<Utc>) -> AppResult<UserChanges> {
    let mut checks = Checks::default();
    let changes = UserChanges {
        username: input
            .username
            .as_deref()
            .map(|u| checks.username("username", u)),
        display_name: input
            .display_name
            .as_deref()
            .map(|d| checks.text("display_name", d, 200)),
        given_name: input
            .given_name
            .as_ref()
            .map(|g| checks.optional_text("given_name", g.as_deref(), 100)),
        family_name: input
            .family_name
            .as_ref()
            .map(|f| checks.optional_text("family_name", f.as_deref(), 100)),
        email: input
            .email
            .as_ref()
            .map(|e| checks.email("email", e.as_deref())),
        phone: input
            .phone
            .as_ref()
            .map(|p| checks.phone("phone", p.as_deref())),
        state: input.state,
        version: None,
        updated_at: Some(now.naive_utc()),
        username_skeleton: None,
        search_text: None,
    };
    checks.finish()?;
    Ok(changes)
}

/// The names of the fields a change sets (for the audit row).
fn changed_fields(changes: &UserChanges) -> Vec<&'static str> {
    [
        ("username", changes.username.is_some()),
        ("display_name", changes.display_name.is_some()),
        ("given_name", changes.given_name.is_some()),
        ("family_name", changes.family_name.is_some()),
        ("email", changes.email.is_some()),
        ("phone", changes.phone.is_some()),
        ("state", changes.state.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

/// Changes a user; with `if_match`, only if the user is still at that version.
pub async fn update(
    db: &Db,
    ctx: &Context,
    now: DateTime<Utc>,
    user: String,
    input: UpdateUser,
    if_match: Option<String>,
    dry_run: bool,
) -> AppResult<Versioned> {
    let changes = checked_changes(&input, now)?;
    let ctx = ctx.clone();
    write(db, Effect::of(dry_run), move |tx| {
        let current = find_required(tx, &user)?;
        check_if_match(if_match.as_deref(), &current)?;
        let merged = with_derived(merge(&current, &changes));
        if merged.username != current.username {
            check_username_free(tx, &merged, Some(&current.id))?;
        }
        let changes = UserChanges {
            version: Some(current.version + 1),
            username_skeleton: Some(merged.username_skeleton.clone()),
            search_text: Some(merged.search_text.clone()),
            ..changes
        };
        if rows::update(tx, &current.id, current.version, &changes)? == 0 {
            let now_current = find_required(tx, &current.id)?;
            return Err(AppError::PreconditionFailed {
                current: etag(now_current.version),
            });
        }
        let changed = changed_fields(&changes);
        audit::record(
            tx,
            &ctx,
            now,
            audit::success("user", &current.id, Some(json!({"changed": changed}))),
        )?;
        find_required(tx, &current.id).map(versioned)
    })
    .await
}

/// Deletes a user; with `if_match`, only if the user is still at that version.
pub async fn delete(
    db: &Db,
    ctx: &Context,
    now: DateTime<Utc>,
    user: String,
    if_match: Option<String>,
    dry_run: bool,
) -> AppResult<()> {
    let ctx = ctx.clone();
    write(db, Effect::of(dry_run), move |tx| {
        let current = find_required(tx, &user)?;
        check_if_match(if_match.as_deref(), &current)?;
        if rows::delete(tx, &current.id, current.version)? == 0 {
            return Err(AppError::PreconditionFailed {
                current: etag(current.version + 1),
            });
        }
        let detail = json!({"username": current.username});
        audit::record_user(tx, &ctx, now, &current.id, detail)
    })
    .await
}

/// Whether an existing row already has every field of a checked import row.
fn same_fields(existing: &rows::UserRow, row: &rows::UserRow) -> bool {
    existing.display_name == row.display_name
        && existing.given_name == row.given_name
        && existing.family_name == row.family_name
        && existing.email == row.email
        && existing.phone == row.phone
        && existing.state == row.state
}

/// A checked row to store: its slot in the results, and the row.
type CheckedRow = (usize, rows::UserRow);

/// Checks every import row before anything is stored: a result per row (errors final, the rest
/// `created` until stored), and the rows to store.
fn check_import_rows(
    input: &ImportUsers,
    now: DateTime<Utc>,
) -> (Vec<ImportRowResult>, Vec<CheckedRow>) {
    let mut results = Vec::with_capacity(input.users.len());
    let mut checked: Vec<CheckedRow> = Vec::with_capacity(input.users.len());
    let mut seen = HashSet::new();
    for (index, user) in input.users.iter().enumerate() {
        let index_u32 = u32::try_from(index).unwrap_or(u32::MAX);
        let prefix = format!("users[{index}]");
        match check_new(user, &prefix, now) {
            Ok(row) if !seen.insert(row.username_skeleton.clone()) => {
                results.push(ImportRowResult {
                    index: index_u32,
                    username: user.username.clone(),
                    status: ImportStatus::Error,
                    id: None,
                    errors: vec![crate::error::FieldError::new(
                        format!("{prefix}.username"),
                        "appears more than once in this import (or looks like another username in it)",
                    )],
                })
            }
            Ok(row) => {
                checked.push((results.len(), row));
                results.push(ImportRowResult {
                    index: index_u32,
                    username: user.username.clone(),
                    status: ImportStatus::Created,
                    id: None,
                    errors: Vec::new(),
                });
            }
            Err(errors) => results.push(ImportRowResult {
                index: index_u32,
                username: user.username.clone(),
                status: ImportStatus::Error,
                id: None,
                errors,
            }),
        }
    }
    (results, checked)
}

/// Creates or updates many users, answering per row (see [`import_groups`]).
pub async fn import(
    deps: &Deps,
    ctx: &Context,
    input: ImportUsers,
    mode: Mode,
) -> AppResult<Answered<ImportUsersResult>> {
    let now = deps.clock.now();
    let dry_run = mode.dry_run;
    mutation::create_across(deps, ctx, &mode, input, async |input| {
        import_groups(&deps.db, ctx, now, input, dry_run).await
    })
    .await
}

/// Creates or updates many users in groups, each group one transaction, answering per row.
async fn import_groups(
    db: &Db,
    ctx: &Context,
    now: DateTime<Utc>,
    input: ImportUsers,
    dry_run: bool,
) -> AppResult<ImportUsersResult> {
    super::validate::item_count(
        "users",
        input.users.len(),
        1,
        super::validate::MAX_BULK_ITEMS,
    )?;
    let (mut results, checked) = check_import_rows(&input, now);
    // Rows are stored in groups, each its own transaction, so other writes get in between them.
    // A failure part-way leaves the groups before it stored (see the operation's description).
    for chunk in checked.chunks(super::GROUP) {
        let group: Vec<rows::UserRow> = chunk.iter().map(|(_, row)| row.clone()).collect();
        let mut outcomes: Vec<ImportRowResult> = chunk
            .iter()
            .map(|(slot, _)| results[*slot].clone())
            .collect();
        let ctx = ctx.clone();
        outcomes = write(db, Effect::of(dry_run), move |tx| {
            import_group(tx, &ctx, now, &group, &mut outcomes, dry_run)?;
            Ok(outcomes)
        })
        .await?;
        for ((slot, _), outcome) in chunk.iter().zip(outcomes) {
            results[*slot] = outcome;
        }
    }
    let count = |status| {
        u32::try_from(results.iter().filter(|r| r.status == status).count()).unwrap_or(u32::MAX)
    };
    Ok(ImportUsersResult {
        dry_run,
        created: count(ImportStatus::Created),
        updated: count(ImportStatus::Updated),
        unchanged: count(ImportStatus::Unchanged),
        failed: count(ImportStatus::Error),
        results,
    })
}

/// The changes that bring `current` to an imported row's fields (the username stays).
fn import_changes(current: &rows::UserRow, row: &rows::UserRow, now: DateTime<Utc>) -> UserChanges {
    UserChanges {
        display_name: Some(row.display_name.clone()),
        given_name: Some(row.given_name.clone()),
        family_name: Some(row.family_name.clone()),
        email: Some(row.email.clone()),
        phone: Some(row.phone.clone()),
        state: Some(row.state),
        version: Some(current.version + 1),
        updated_at: Some(now.naive_utc()),
        username: None,
        username_skeleton: None,
        search_text: Some(row.search_text.clone()),
    }
}

/// Stores one group of checked import rows (`group[i]` goes with `results[i]`), in the caller's
/// transaction, setting each row's outcome.
fn import_group(
    tx: &mut DbConn,
    ctx: &Context,
    now: DateTime<Utc>,
    group: &[rows::UserRow],
    results: &mut [ImportRowResult],
    dry_run: bool,
) -> AppResult<()> {
    let names: Vec<String> = group.iter().map(|row| row.username.clone()).collect();
    let existing: HashMap<String, rows::UserRow> = rows::find_by_usernames(tx, &names)?
        .into_iter()
        .map(|user| (user.username.clone(), user))
        .collect();
    let skeletons: Vec<String> = group
        .iter()
        .filter_map(|row| row.username_skeleton.clone())
        .collect();
    let look_alikes: HashMap<Option<String>, String> = rows::find_by_skeletons(tx, &skeletons)?
        .into_iter()
        .map(|user| (user.username_skeleton, user.username))
        .collect();
    let mut inserts = Vec::new();
    let mut audit_rows = Vec::new();
    for (row, result) in group.iter().zip(results.iter_mut()) {
        if let Some(other) = look_alikes.get(&row.username_skeleton)
            && *other != row.username
        {
            result.status = ImportStatus::Error;
            result.errors = vec![crate::error::FieldError::new(
                format!("users[{}].username", result.index),
                format!("looks like the existing username {other:?}"),
            )];
            continue;
        }
        match existing.get(&row.username) {
            None => {
                result.status = ImportStatus::Created;
                result.id = (!dry_run).then(|| row.id.clone());
                audit_rows.push(audit::row(
                    ctx,
                    now,
                    audit::success(
                        "user",
                        &row.id,
                        Some(json!({"username": row.username, "import": "created"})),
                    ),
                ));
                inserts.push(row.clone());
            }
            Some(current) if same_fields(current, row) => {
                result.status = ImportStatus::Unchanged;
                result.id = Some(current.id.clone());
            }
            Some(current) => {
                rows::update(
                    tx,
                    &current.id,
                    current.version,
                    &import_changes(current, row, now),
                )?;
                result.status = ImportStatus::Updated;
                result.id = Some(current.id.clone());
                audit_rows.push(audit::row(
                    ctx,
                    now,
                    audit::success(
                        "user",
                        &current.id,
                        Some(json!({"username": row.username, "import": "updated"})),
                    ),
                ));
            }
        }
    }
    if !inserts.is_empty() {
        rows::insert(tx, &inserts)?;
    }
    audit_events::insert(tx, &audit_rows)?;
    Ok(())
}
