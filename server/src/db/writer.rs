//! SQLite's one writer: a thread of its own that owns the writing connection and runs write jobs one
//! after another in arrival order. A write waits in this queue rather than in SQLite's busy loop, and
//! the writer goes from one job to the next without handing the connection between threads.
//!
//! Group commit: the jobs already waiting when the writer turns to the queue run inside one outer
//! transaction, each in its own savepoint (a job's transaction nests, see
//! `service::mutation::transaction`), and share one COMMIT, so one WAL write and one fsync serve
//! them all. A job's caller hears its answer only after that COMMIT; if the COMMIT fails, every job
//! in the group is answered with the failure. A job that fails rolls back its own savepoint only.

use std::sync::mpsc;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConn;

/// Hands a job's answer to its caller once the group's outcome is known: `None` when the group
/// committed, else why it did not.
type Deliver = Box<dyn FnOnce(Option<&str>) + Send>;
type Job = Box<dyn FnOnce(&mut DbConn) -> Deliver + Send>;

/// Opens the writing connection (again, after a job panicked in the middle of a transaction).
pub type Opener = Box<dyn Fn() -> Result<DbConn, String> + Send>;

/// The most jobs that share one COMMIT (the first of them waits for the others' work).
const MOST_PER_COMMIT: usize = 32;

/// The queue in front of the writing connection.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`; it ends when every `Writer` is dropped.
    pub fn start(conn: DbConn, reopen: Opener) -> Result<Self, String> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("enrolld-sqlite-writer".into())
            .spawn(move || {
                let mut conn = Some(conn);
                while let Ok(first) = queue.recv() {
                    let mut group = vec![first];
                    while group.len() < MOST_PER_COMMIT {
                        let Ok(next) = queue.try_recv() else { break };
                        group.push(next);
                    }
                    conn = run_group(conn, &reopen, group);
                }
            })
            .map_err(|e| format!("cannot start the database writer: {e}"))?;
        Ok(Self { jobs })
    }

    /// Runs `work` on the writing connection once the writes queued before it are done, and answers
    /// once what it wrote is committed. `work` makes its transaction with
    /// `service::mutation::transaction` (which nests), never with a bare `BEGIN`.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<String> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = work(conn);
            Box::new(move |failed: Option<&str>| {
                let result = match (result, failed) {
                    (Ok(_), Some(reason)) => Err(E::from(reason.to_owned())),
                    (result, _) => result,
                };
                let _ = answer.send(result);
            })
        });
        self.jobs
            .send(job)
            .map_err(|_| E::from("the database writer has stopped".to_owned()))?;
        answered.await.unwrap_or_else(|_| {
            Err(E::from(
                "database task failed (see the server log)".to_owned(),
            ))
        })
    }
}

/// Runs a group of jobs: one alone as it is, several in one outer transaction. A job that panics
/// answers nothing (its caller sees the task failed); the jobs of its group that ran before it are
/// answered with the failure (the outer transaction is gone with the connection, which is replaced),
/// and those after it run as a group of their own on the new connection. Without a connection (it
/// could not be opened again) the group is dropped the same way, and the next one tries again.
fn run_group(conn: Option<DbConn>, reopen: &Opener, group: Vec<Job>) -> Option<DbConn> {
    let mut conn = match conn.map_or_else(reopen, Ok) {
        Ok(conn) => conn,
        Err(error) => {
            tracing::error!(%error, "the database writer cannot open its connection");
            return None;
        }
    };
    let outer = group.len() > 1 && begin_outer(&mut conn);
    let mut ran = Vec::with_capacity(group.len());
    let mut jobs = group.into_iter();
    for job in jobs.by_ref() {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn))) {
            Ok(deliver) if outer => ran.push(deliver),
            Ok(deliver) => deliver(None),
            Err(_) => {
                tracing::error!("a database write panicked; its connection is replaced");
                // Closing the connection rolls back what it held open (and frees the write lock).
                drop(conn);
                answer_all(
                    ran,
                    Some("a write committed together with this one failed; nothing was stored"),
                );
                return run_group(None, reopen, jobs.collect());
            }
        }
    }
    if outer {
        let committed = <DbConn as Connection>::TransactionManager::commit_transaction(&mut conn);
        if let Err(error) = committed {
            tracing::error!(%error, "a group of database writes could not be committed");
            let _ = <DbConn as Connection>::TransactionManager::rollback_transaction(&mut conn);
            answer_all(
                ran,
                Some(&format!("the database could not commit: {error}")),
            );
            return None;
        }
        answer_all(ran, None);
    }
    Some(conn)
}

/// Begins the transaction a group shares; `false` (the jobs then run one by one) if it cannot.
fn begin_outer(conn: &mut DbConn) -> bool {
    let DbConn::Sqlite(sqlite) = conn else {
        return false;
    };
    match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "could not begin a group commit; running its writes one by one");
            false
        }
    }
}

fn answer_all(ran: Vec<Deliver>, failed: Option<&str>) {
    for deliver in ran {
        deliver(failed);
    }
}
