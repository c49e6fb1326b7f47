//! The rules: scope checks, validation, and one transaction per change (state + audit row).

pub mod actor;
pub mod app_registrations;
pub mod audit;
pub mod challenges;
pub mod codes;
pub mod deps;
pub mod enrollments;
pub mod health;
pub mod idempotency;
pub mod identity_services;
pub mod notification_templates;
pub mod notifications;
pub mod notify;
pub mod outbox_relay;
pub mod page;
pub mod provisioning_create;
pub mod provisioning_edits;
pub mod provisioning_report;
pub mod provisioning_sweep;
pub mod provisioning_task_users;
pub mod provisioning_tasks;
pub mod public_limits;
pub mod purge;
pub mod refusals;
pub mod registration_sessions;
pub mod self_enrollment;
pub mod settings;
pub mod templates;
pub mod users;
pub mod validate;
pub mod verification;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

pub use actor::Actor;
pub use deps::Deps;

use crate::db::DbConn;
use crate::error::AppResult;

/// Who is calling and which request this is.
#[derive(Debug, Clone)]
pub struct Context {
    /// Who acts: the verified operator, or the user on a self-service path.
    pub actor: Actor,
    /// The request id (also `X-Request-Id` and the problem `instance`).
    pub request_id: String,
    /// The operation being carried out (its OpenAPI operationId), recorded as the audit action.
    pub operation_id: &'static str,
}

/// Runs `work` in one transaction on the blocking pool, then wakes this process's outbox relay for
/// the messages the transaction queued.
pub async fn with_outbox<T: Send + 'static>(
    deps: &Deps,
    dry_run: bool,
    work: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let answer = write(&deps.db, dry_run, work).await?;
    if !dry_run {
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
    dry_run: bool,
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
        match with_outbox(deps, dry_run, move |tx| apply(tx, first, group)).await {
            Ok(answers) => done.extend(answers),
            Err(error) => return (done, Some((at * GROUP, error))),
        }
    }
    (done, None)
}

/// Runs `work` in one write transaction on the blocking pool, after this process's earlier writes
/// (on SQLite, whose single write lock is taken in arrival order).
pub async fn write<T: Send + 'static>(
    db: &crate::db::Db,
    dry_run: bool,
    work: impl FnOnce(&mut DbConn) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let _turn = db.write_turn().await;
    db.run(move |conn| transaction(conn, dry_run, work)).await
}

/// Runs `work` in one transaction; with `dry_run` the transaction is rolled back after `work` has
/// computed its answer, so a dry run sees exactly the checks a real run would make.
///
/// On SQLite the outermost transaction begins IMMEDIATE: it takes the write lock up front (waiting
/// out the busy timeout) instead of failing with "database is locked" when a read turns into a write
/// while another connection writes.
pub fn transaction<T>(
    conn: &mut DbConn,
    dry_run: bool,
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
        Ok(answer) if !dry_run => match Manager::commit_transaction(conn) {
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
