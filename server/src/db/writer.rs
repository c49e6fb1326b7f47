//! SQLite's one writer: a thread of its own that owns the writing connection and runs write jobs one
//! after another in arrival order. A write waits in this queue rather than in SQLite's busy loop, and
//! the writer goes from one job to the next without handing the connection between threads.

use std::sync::mpsc;

use super::DbConn;

type Job = Box<dyn FnOnce(&mut DbConn) + Send>;

/// Opens the writing connection (again, after a job panicked in the middle of a transaction).
pub type Opener = Box<dyn Fn() -> Result<DbConn, String> + Send>;

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
                for job in queue {
                    conn = run(conn, &reopen, job);
                }
            })
            .map_err(|e| format!("cannot start the database writer: {e}"))?;
        Ok(Self { jobs })
    }

    /// Runs `work` on the writing connection once the writes queued before it are done.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<String> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = answer.send(work(conn));
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

/// Runs one job. A job that panics answers nothing (its caller sees the task failed), and the
/// connection it may have left inside a transaction is replaced by a new one; without a connection
/// (it could not be opened again) a job is dropped the same way, and the next one tries again.
fn run(conn: Option<DbConn>, reopen: &Opener, job: Job) -> Option<DbConn> {
    let mut conn = match conn {
        Some(conn) => conn,
        None => match reopen() {
            Ok(conn) => conn,
            Err(error) => {
                tracing::error!(%error, "the database writer cannot open its connection");
                return None;
            }
        },
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn))) {
        Ok(()) => Some(conn),
        Err(_) => {
            tracing::error!("a database write panicked; its connection is replaced");
            None
        }
    }
}
