//! The rules every change shares, written once: one transaction (rolled back for a dry run, which
//! so sees exactly the checks a real run would make), this process's turn for the SQLite write lock,
//! the outbox wake-up after a commit, bulk work in groups, and the Idempotency-Key claim and replay.
//! Audit rows are written by the change itself, inside the same transaction (`audit`).

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::idempotency::{self, Claim};
use super::notifications;
use super::{Context, Deps};
use crate::db::DbConn;
use crate::error::{AppError, AppResult, ErrorCode};

/// How a caller asked for a change to be carried out.
#[derive(Debug, Clone, Default)]
pub struct Mode {
    /// Compute and check everything, store nothing.
    pub dry_run: bool,
    /// Makes a retried create answer with the first answer (`Idempotency-Key`).
    pub idempotency_key: Option<String>,
    /// Changes only the version with this ETag (`If-Match`).
    pub if_match: Option<String>,
}

/// An answer, and whether it is the stored answer to an earlier request with the same
/// Idempotency-Key.
#[derive(Debug)]
pub struct Answered<T> {
    /// The answer.
    pub value: T,
    /// True when replayed from the first request.
    pub replayed: bool,
}

/// Runs a create that honours `Idempotency-Key`: a key already answered gives the stored answer; else
/// `run` does the work on `request`, given the claim to take inside its (first) transaction and to
/// store the answer with. A concurrent request that won the claim is answered as it was, once it has finished.
/// A dry run never claims a key.
pub async fn idempotent<T, R>(
    deps: &Deps,
    ctx: &Context,
    mode: &Mode,
    request: R,
    run: impl AsyncFnOnce(R, Option<Claim>) -> AppResult<T>,
) -> AppResult<Answered<T>>
where
    T: DeserializeOwned,
    R: Serialize,
{
    let claim = match &mode.idempotency_key {
        Some(key) if !mode.dry_run => Some(idempotency::claim(ctx, key, &request)?),
        _ => None,
    };
    if let Some(claim) = &claim
        && let Some(stored) = idempotency::stored(&deps.db, &deps.key, claim).await?
    {
        return replayed(stored);
    }
    match (run(request, claim.clone()).await, &claim) {
        (Ok(value), _) => Ok(Answered {
            value,
            replayed: false,
        }),
        (
            Err(
                error @ AppError::Conflict {
                    code: ErrorCode::IdempotencyInProgress,
                    ..
                },
            ),
            Some(claim),
        ) => match idempotency::stored(&deps.db, &deps.key, claim).await? {
            Some(stored) => replayed(stored),
            None => Err(error),
        },
        (Err(error), _) => Err(error),
    }
}

/// Runs a create made in one transaction: `work` on `request` with the Idempotency-Key claimed and
/// answered inside that same transaction (so the change, its audit row, its messages and its stored
/// answer commit together), rolled back for a dry run, the outbox woken after a commit.
pub async fn create_once<T, R>(
    deps: &Deps,
    ctx: &Context,
    mode: &Mode,
    request: R,
    work: impl FnOnce(&mut DbConn, R) -> AppResult<T> + Send + 'static,
) -> AppResult<Answered<T>>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
{
    let now = deps.clock.now();
    let key = deps.key.clone();
    let effect = Effect::of(mode.dry_run);
    idempotent(deps, ctx, mode, request, async |request, claim| {
        with_outbox(deps, effect, move |tx| {
            if let Some(claim) = &claim {
                idempotency::claim_in(tx, claim, now)?;
            }
            let answer = work(tx, request)?;
            if let Some(claim) = &claim {
                idempotency::store_in(tx, &key, claim, &answer)?;
            }
            Ok(answer)
        })
        .await
    })
    .await
}

/// Runs a create that spans several transactions (bulk work stored in groups): the Idempotency-Key
/// is claimed in a transaction of its own before `run`, and the answer stored in one after it; if
/// `run` fails, the claim is let go, so a retry runs again. Meanwhile a request with the same key is
/// answered 409 (`idempotency_in_progress`).
pub async fn create_across<T, R>(
    deps: &Deps,
    ctx: &Context,
    mode: &Mode,
    request: R,
    run: impl AsyncFnOnce(R) -> AppResult<T>,
) -> AppResult<Answered<T>>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    R: Serialize,
{
    let now = deps.clock.now();
    idempotent(deps, ctx, mode, request, async |request, claim| {
        let Some(claim) = claim else {
            return run(request).await;
        };
        let claimed = claim.clone();
        write(&deps.db, Effect::Commit, move |tx| {
            idempotency::claim_in(tx, &claimed, now)
        })
        .await?;
        let answer = run(request).await;
        let key = deps.key.clone();
        let stored = write(&deps.db, Effect::Commit, move |tx| {
            match &answer {
                Ok(value) => idempotency::store_in(tx, &key, &claim, value)?,
                Err(_) => idempotency::release_in(tx, &claim)?,
            }
            Ok(answer)
        });
        stored.await?
    })
    .await
}

fn replayed<T: DeserializeOwned>(stored: idempotency::Replay) -> AppResult<Answered<T>> {
    let value = serde_json::from_str(&stored.body).map_err(AppError::internal)?;
    Ok(Answered {
        value,
        replayed: true,
    })
}

/// What becomes of a change once its work has answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// It is committed.
    Commit,
    /// It is rolled back: a dry run, which makes every check a real run would.
    DryRun,
}

impl Effect {
    /// `DryRun` when one was asked for (the `dry_run` query parameter), else `Commit`.
    pub fn of(dry_run: bool) -> Self {
        if dry_run { Self::DryRun } else { Self::Commit }
    }
}

/// Runs `work` in one transaction on the blocking pool, then wakes this process's outbox relay if
/// the transaction queued messages (a change that queued none costs the relay nothing).
pub async fn with_outbox<T: Send + 'static>(
    deps: &Deps,
    effect: Effect,
    work: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let queued_before = notifications::queued_so_far();
    let answer = write(&deps.db, effect, work).await?;
    if effect == Effect::Commit && notifications::queued_so_far() != queued_before {
        deps.outbox.wake();
    }
    Ok(answer)
}

/// Items stored per transaction by bulk work.
pub const GROUP: usize = 500;

/// Runs `apply` on `items` in groups of [`GROUP`] (with the position of the group's first item), each
/// group in its own transaction with the outbox woken after it, so other writes get in between the groups. Answers what the groups answered, in
/// order; a group that fails ends the work, and its error comes back with the number of items done
/// before it (those groups stay stored).
pub async fn in_groups<I, O, F>(
    deps: &Deps,
    effect: Effect,
    items: &[I],
    apply: F,
) -> (Vec<O>, Option<(usize, crate::error::AppError)>)
where
    I: Clone + Send + 'static,
    O: Send + 'static,
    F: Fn(&mut DbConn, usize, Vec<I>) -> AppResult<Vec<O>> + Send + Sync + 'static,
{
    let apply = std::sync::Arc::new(apply);
    let mut done = Vec::with_capacity(items.len());
    for (at, group) in items.chunks(GROUP).enumerate() {
        let (apply, group, first) = (apply.clone(), group.to_vec(), at * GROUP);
        let stored = with_outbox(deps, effect, move |tx| {
            crate::db::plan_per_statement(tx)?;
            apply(tx, first, group)
        });
        match stored.await {
            Ok(answers) => done.extend(answers),
            Err(error) => return (done, Some((first, error))),
        }
    }
    (done, None)
}

/// Runs `work` in one write transaction on the blocking pool, after this process's earlier writes
/// (on SQLite, whose single write lock is taken in arrival order).
pub async fn write<T: Send + 'static>(
    db: &crate::db::Db,
    effect: Effect,
    work: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    db.write(move |conn| transaction(conn, effect, work)).await
}

/// Runs `work` in one transaction; for a dry run ([`Effect::DryRun`]) the transaction is rolled back after `work` has
/// computed its answer, so a dry run sees exactly the checks a real run would make.
///
/// On SQLite the outermost transaction begins IMMEDIATE: it takes the write lock up front (waiting
/// out the busy timeout) instead of failing with "database is locked" when a read turns into a write
/// while another connection writes.
pub fn transaction<T>(
    conn: &mut DbConn,
    effect: Effect,
    work: impl FnOnce(&mut DbConn) -> AppResult<T>,
) -> AppResult<T> {
    type Manager = <DbConn as Connection>::TransactionManager;
    let outermost = Manager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .ok()
        .flatten()
        .is_none();
    match &mut *conn {
        DbConn::Sqlite(sqlite) if outermost => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        other => Manager::begin_transaction(other)?,
    }
    match work(conn) {
        Ok(answer) if effect == Effect::Commit => match Manager::commit_transaction(conn) {
            Ok(()) => Ok(answer),
            Err(error) => {
                let _ = Manager::rollback_transaction(conn);
                Err(error.into())
            }
        },
        Ok(answer) => {
            Manager::rollback_transaction(conn)?;
            Ok(answer)
        }
        Err(error) => {
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    }
}
