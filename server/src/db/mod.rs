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

#[derive(Debug)]
/// Per-connection settings: SQLite pragmas, PostgreSQL lock timeout.
struct ConnectionSetup;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        match conn {
            DbConn::Sqlite(sqlite) => sqlite.batch_execute(
                "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
            ),
            // A writer waiting for a row lock gives up (503) instead of holding a connection
            // indefinitely.
            DbConn::Postgresql(pg) => pg.batch_execute("SET lock_timeout = '10s'"),
        }
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// Opens the pool (creating the SQLite file and its directory if missing) and runs the migrations.
pub fn connect(location: &DatabaseLocation, max_size: u32) -> Result<DbPool, String> {
    let url = match location {
        DatabaseLocation::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    format!("cannot create database directory {}: {e}", dir.display())
                })?;
            }
            path.to_string_lossy().into_owned()
        }
        DatabaseLocation::Postgres(url) => url.clone(),
    };
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .connection_customizer(Box::new(ConnectionSetup))
        .build(ConnectionManager::<DbConn>::new(url))
        .map_err(|e| format!("cannot open the database: {e}"))?;
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

/// The pool, with a way to run blocking diesel work off the async workers.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    /// SQLite has one writer at a time: this process's write transactions queue here in arrival
    /// order (tokio's mutex is fair), so a bulk job that commits in chunks lets the writes that
    /// arrived meanwhile in between its chunks instead of racing them for the file lock.
    write_queue: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
}

impl Db {
    /// Wraps a pool.
    pub fn new(pool: DbPool) -> Self {
        let sqlite = pool
            .get()
            .is_ok_and(|conn| matches!(*conn, DbConn::Sqlite(_)));
        Self {
            pool,
            write_queue: sqlite.then(Default::default),
        }
    }

    /// Waits for this process's turn to write (SQLite), or at once (PostgreSQL, which locks rows).
    pub async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.write_queue {
            Some(queue) => Some(queue.lock().await),
            None => None,
        }
    }

    /// Runs `work` with a pooled connection on the blocking thread pool.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::r2d2::PoolError> + From<String> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let pool = self.pool.clone();
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
}
