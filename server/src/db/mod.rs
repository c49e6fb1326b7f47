//! Storage: one diesel `MultiConnection` over SQLite and PostgreSQL, an r2d2 pool, embedded migrations.
//!
//! Backend-specific SQL lives only in this file (pragmas, migrations); everything else is portable.

pub mod audit_events;
pub mod code_challenges;
pub mod enrollments;
pub mod idempotency;
pub mod identity_services;
pub mod notification_templates;
pub mod notifications;
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
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
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

/// A pool of connections.
pub type DbPool = Pool<ConnectionManager<DbConn>>;

/// A connection checked out of the pool.
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

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

/// Per-connection settings: SQLite pragmas (readers are `query_only`), PostgreSQL lock timeout.
#[derive(Debug)]
struct ConnectionSetup {
    /// A SQLite connection that only reads: a write through it fails at once instead of racing
    /// the writer for the file lock.
    read_only: bool,
}

/// Pages of SQLite's own cache per connection, in KiB (negative `cache_size`): enough for the
/// upper levels of the B-trees every lookup walks; the operating system's page cache holds the rest
/// of the file. (SQLite's default of 2 MiB per connection cost the idle server 1.5 MiB in the bench
/// and bought nothing measurable.)
const SQLITE_CACHE_KIB: i64 = 512;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConn::Sqlite(sqlite) => sqlite.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
                 PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA query_only = {};",
                u8::from(self.read_only)
            )),
            // A writer waiting for a row lock gives up (503) instead of holding a connection
            // indefinitely.
            DbConn::Postgresql(pg) => pg.batch_execute("SET lock_timeout = '10s'"),
        }
        .map_err(diesel::r2d2::Error::QueryError)
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
    ConnectionSetup { read_only }
        .on_acquire(&mut conn)
        .map_err(|e| format!("cannot open the database: {e}"))?;
    Ok(conn)
}

/// A pool of up to `max_size` connections; SQLite connections are never checked on checkout (a
/// file does not drop a connection), PostgreSQL ones are.
fn pool(location: &DatabaseLocation, max_size: u32, read_only: bool) -> Result<DbPool, String> {
    let sqlite = matches!(location, DatabaseLocation::Sqlite(_));
    Pool::builder()
        .max_size(max_size)
        // Opened as load asks for them (and closed again after ten idle minutes), not all at start.
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(!sqlite)
        .connection_customizer(Box::new(ConnectionSetup { read_only }))
        .build(ConnectionManager::<DbConn>::new(connection_url(location)?))
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// Opens a pool that may write (creating the SQLite file and its directory if missing) and runs
/// the migrations.
pub fn connect(location: &DatabaseLocation, max_size: u32) -> Result<DbPool, String> {
    let pool = pool(location, max_size, false)?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

/// Applies every pending migration for the connection's backend.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), String> {
    let result = match conn {
        DbConn::Postgresql(pg) => pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| format!("database migration failed: {e}"))
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
        match location {
            DatabaseLocation::Sqlite(_) => {
                let url = connection_url(location)?;
                let mut conn = open_connection(&url, false)?;
                run_migrations(&mut conn)?;
                let reopen = Box::new(move || open_connection(&url, false));
                Ok(Self {
                    writes: Writes::Queued(writer::Writer::start(conn, reopen)?),
                    readers: pool(location, pool_size, true)?,
                })
            }
            DatabaseLocation::Postgres(_) => Ok(Self {
                readers: connect(location, pool_size)?,
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
        work(&mut conn)
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
}
