//! Storage: one diesel `MultiConnection` over SQLite and PostgreSQL, an r2d2 pool, embedded migrations.
//!
//! Backend-specific SQL lives only in this file (pragmas, migrations); everything else is portable.

pub mod audit_events;
pub mod code_challenges;
pub mod enrollment_flows;
pub mod enrollments;
pub mod idempotency;
pub mod identity_services;
pub mod identity_sources;
pub mod notification_templates;
pub mod notifications;
pub mod org_identities;
pub mod petitions;
mod pool;
pub mod provisioning_tasks;
pub mod rate_limits;
pub mod registration_sessions;
pub mod schema;
pub mod settings;
pub mod states;
pub mod task_entries;
pub mod users;
mod writer;

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

/// Runs the same diesel expression on the concrete connection inside a [`DbConn`], for the few
/// statements `MultiBackend` cannot express (multi-row INSERT).
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgresql($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// One connection to either database; chosen by the URL's scheme.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    /// PostgreSQL (listed first: SQLite would accept any string as a file name).
    Postgresql(PgConnection),
    /// The embedded default.
    Sqlite(SqliteConnection),
}

pub use pool::{DbPool, PooledConn};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Which database a URL names, and the string diesel wants for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseLocation {
    /// Parses `sqlite://relative.db`, `sqlite:///absolute.db` or `postgres://…` / `postgresql://…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite://") {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("a sqlite URL needs a file path, e.g. sqlite://enrolld.db".into());
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Err(format!(
            "unsupported database URL scheme in {:?}: use sqlite://relative.db, sqlite:///absolute/path.db or postgres://…",
            redact_url(url)
        ))
    }

    /// The directory that holds local state files (keys) for this database.
    pub fn state_dir(&self) -> PathBuf {
        match self {
            Self::Sqlite(path) => path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            Self::Postgres(_) => PathBuf::from("."),
        }
    }
}

/// Removes a password from a URL so that it can be shown in messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// The connection string diesel wants (creating the SQLite file's directory if missing).
fn connection_url(location: &DatabaseLocation) -> Result<String, String> {
    match location {
        DatabaseLocation::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!("cannot create database directory {}: {e}", dir.display())
                })?;
            }
            Ok(path.to_string_lossy().into_owned())
        }
        DatabaseLocation::Postgres(url) => Ok(url.clone()),
    }
}

/// One connection, set up as the pool's are.
fn open_connection(url: &str, read_only: bool) -> Result<DbConn, String> {
    use diesel::Connection;
    let mut conn = DbConn::establish(url).map_err(|e| format!("cannot open the database: {e}"))?;
    pool::set_up(&mut conn, read_only).map_err(|e| format!("cannot open the database: {e}"))?;
    Ok(conn)
}

/// Opens one connection that may write (creating the SQLite file and its directory if missing)
/// and runs the migrations: for the command line, tests and benches.
pub fn connect(location: &DatabaseLocation) -> Result<DbConn, String> {
    let mut conn = open_connection(&connection_url(location)?, false)?;
    run_migrations(&mut conn)?;
    Ok(conn)
}

/// Applies every pending migration for the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), String> {
    let result = match conn {
        DbConn::Postgresql(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| format!("database migration failed: {e}"))
}

/// For the rest of the caller's transaction, on PostgreSQL: plans each statement for its own
/// parameters instead of reusing a generic plan. Bulk work checks hundreds of ids at a time
/// against tables it may itself be filling; a generic plan cached while such a table was small
/// (a sequential scan) stays in use as it grows, and on a new database the 10,000-user task spent
/// most of its time rescanning the entries it had just written. A custom plan uses the index.
pub fn plan_per_statement(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Postgresql(pg) => pg.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// `SELECT 1`: is the database reachable?
pub fn ping(conn: &mut DbConn) -> diesel::QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// The connections, with a way to run blocking diesel work off the async workers.
///
/// On SQLite, which has one writer at a time, writes go through one connection of their own, on a
/// thread of its own, and queue for it in this process in arrival order (`writer`), so they wait
/// here rather than in SQLite's busy loop, and the writer's page cache stays warm (no other
/// connection changes the file); reads use a pool of `query_only` connections. On PostgreSQL, which locks
/// rows, reads and writes share one pool and writes do not queue.
#[derive(Clone)]
pub struct Db {
    readers: DbPool,
    writes: Writes,
}

#[derive(Clone)]
enum Writes {
    /// SQLite: the queue in front of the one writing connection.
    Queued(writer::Writer),
    /// PostgreSQL: the readers' pool.
    Pooled,
}

impl Db {
    /// Opens the database (running the migrations) with `pool_size` connections for reads (and,
    /// on SQLite, one more for writes).
    pub fn open(location: &DatabaseLocation, pool_size: u32) -> Result<Self, String> {
        let url = connection_url(location)?;
        let mut conn = open_connection(&url, false)?;
        run_migrations(&mut conn)?;
        match location {
            DatabaseLocation::Sqlite(_) => {
                let reopen = Box::new(move || open_connection(&url, false));
                Ok(Self {
                    writes: Writes::Queued(writer::Writer::start(conn, reopen)?),
                    readers: pool::pool(location, pool_size, true)?,
                })
            }
            DatabaseLocation::Postgres(_) => Ok(Self {
                readers: pool::pool(location, pool_size, false)?,
                writes: Writes::Pooled,
            }),
        }
    }

    /// The connections reads may use at once (each on a blocking thread).
    pub fn read_connections(&self) -> u32 {
        self.readers.max_size()
    }

    /// Runs `work`, which only reads, with a pooled connection on the blocking thread pool.
    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::r2d2::PoolError> + From<String> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        on_blocking_pool(self.readers.clone(), work).await
    }

    /// Runs `work`, which writes: on SQLite on the one writing connection after this process's
    /// earlier writes, on PostgreSQL at once on a pooled connection. `work` makes its own
    /// transaction if it needs one (`service::mutation::write`).
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::r2d2::PoolError> + From<String> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        match &self.writes {
            Writes::Queued(writer) => writer.write(work).await,
            Writes::Pooled => on_blocking_pool(self.readers.clone(), work).await,
        }
    }
}

async fn on_blocking_pool<T, E, F>(pool: DbPool, work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<diesel::r2d2::PoolError> + From<String> + Send + 'static,
    F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
{
    let joined = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        let result = work(&mut conn);
        conn.settle(result.is_ok());
        result
    })
    .await;
    match joined {
        Ok(result) => result,
        Err(error) => Err(E::from(format!("database task failed: {error}"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Failed(String);

    impl From<String> for Failed {
        fn from(message: String) -> Self {
            Self(message)
        }
    }

    impl From<diesel::r2d2::PoolError> for Failed {
        fn from(error: diesel::r2d2::PoolError) -> Self {
            Self(error.to_string())
        }
    }

    fn failed(error: diesel::result::Error) -> Failed {
        Failed(error.to_string())
    }

    async fn stored(db: &Db) -> Vec<i64> {
        db.read(|conn| {
            use diesel::RunQueryDsl;
            diesel::dsl::sql::<diesel::sql_types::BigInt>("SELECT a FROM t ORDER BY a")
                .load(conn)
                .map_err(failed)
        })
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn on_sqlite_reads_cannot_write_and_writes_go_through_the_one_writer() {
        let dir = std::env::temp_dir().join(format!("enrolld-db-{}", uuid::Uuid::new_v4()));
        let db = Db::open(&DatabaseLocation::Sqlite(dir.join("t.db")), 2).unwrap();
        assert_eq!(db.read_connections(), 2);
        let refused = db
            .read(|conn| {
                conn.batch_execute("CREATE TABLE t (a INTEGER)")
                    .map_err(failed)
            })
            .await;
        assert!(refused.unwrap_err().0.contains("readonly"));
        db.write(|conn| {
            conn.batch_execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
                .map_err(failed)
        })
        .await
        .unwrap();
        assert_eq!(stored(&db).await, [1]);

        // A write that panics inside its transaction leaves no transaction behind for the next.
        let panicked: Result<(), Failed> = db
            .write(|conn| {
                conn.batch_execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (2)")
                    .map_err(failed)?;
                panic!("a write that fails half way")
            })
            .await;
        assert!(panicked.unwrap_err().0.contains("task failed"));
        db.write(|conn| {
            conn.batch_execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (3); COMMIT")
                .map_err(failed)
        })
        .await
        .unwrap();
        assert_eq!(stored(&db).await, [1, 3]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// Inserts `value` in a transaction of its own (a savepoint inside a group), then fails if asked.
    fn insert(value: i64, fail: bool) -> impl FnOnce(&mut DbConn) -> Result<bool, Failed> {
        move |conn| {
            type Manager = <DbConn as diesel::Connection>::TransactionManager;
            use diesel::Connection;
            use diesel::connection::TransactionManager;
            let grouped = Manager::transaction_manager_status_mut(conn)
                .transaction_depth()
                .map_err(failed)?
                .is_some();
            conn.transaction(|tx| {
                tx.batch_execute(&format!("INSERT INTO t VALUES ({value})"))?;
                if fail {
                    return Err(diesel::result::Error::RollbackTransaction);
                }
                Ok(())
            })
            .map_err(failed)?;
            Ok(grouped)
        }
    }

    /// A write that keeps the writer busy for a while, so the writes sent after it queue together.
    async fn hold_writer(db: &Db) -> Result<bool, Failed> {
        db.write(|_| {
            std::thread::sleep(std::time::Duration::from_millis(300));
            Ok(false)
        })
        .await
    }

    #[tokio::test]
    async fn writes_waiting_together_share_one_commit_and_fail_alone() {
        let dir = std::env::temp_dir().join(format!("enrolld-db-{}", uuid::Uuid::new_v4()));
        let db = Db::open(&DatabaseLocation::Sqlite(dir.join("t.db")), 2).unwrap();
        db.write(|conn| {
            conn.batch_execute("CREATE TABLE t (a INTEGER)")
                .map_err(failed)
        })
        .await
        .unwrap();
        // The first write holds the writer while the others queue behind it.
        let (_, a, b, c) = tokio::join!(
            hold_writer(&db),
            db.write(insert(10, false)),
            db.write(insert(11, true)),
            db.write(insert(12, false))
        );
        assert!(
            a.unwrap() && c.unwrap(),
            "the waiting writes ran in one group"
        );
        assert!(b.is_err());
        assert_eq!(stored(&db).await, [10, 12]);

        // A panic in a group: the writes before it in the group are answered with the failure and
        // stored nothing, the ones after it run on a new connection.
        let (_, d, e, f) = tokio::join!(
            hold_writer(&db),
            db.write(insert(20, false)),
            db.write(|_: &mut DbConn| -> Result<bool, Failed> { panic!("a bug in a write") }),
            db.write(insert(21, false))
        );
        assert!(d.unwrap_err().0.contains("nothing was stored"));
        assert!(e.unwrap_err().0.contains("task failed"));
        f.unwrap();
        assert_eq!(stored(&db).await, [10, 12, 21]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
