//! The connection pool: r2d2 with a manager that sets each connection up (SQLite pragmas,
//! PostgreSQL lock timeout) and tests a PostgreSQL connection on checkout only when it has not
//! just proved itself.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, ManageConnection, Pool, PooledConnection};

use super::{DatabaseLocation, DbConn, connection_url};

/// A pool of connections.
pub type DbPool = Pool<Manager>;

/// A connection checked out of the pool.
pub type PooledConn = PooledConnection<Manager>;

/// How long after a statement succeeded on a connection it is handed out without a `SELECT 1`
/// first. Under load every connection is in use all the time, so the check (one round trip per
/// checkout, a seventh of a session write's) is skipped; an idle connection is still checked, and
/// one whose work failed is checked before it is used again, so a connection the server dropped
/// costs at most the one request that found out, and is then replaced.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// One pooled connection, and when work on it last succeeded.
pub struct Pooled {
    conn: DbConn,
    succeeded_at: Option<Instant>,
}

impl Pooled {
    /// Records how the work done with it ended: a failure makes the next checkout test it.
    pub fn settle(&mut self, succeeded: bool) {
        self.succeeded_at = succeeded.then(Instant::now);
    }
}

impl Deref for Pooled {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// Opens connections set up for their use and decides when they need testing.
#[derive(Debug)]
pub struct Manager {
    inner: ConnectionManager<DbConn>,
    /// A SQLite connection that only reads: a write through it fails at once instead of racing
    /// the writer for the file lock.
    read_only: bool,
}

/// Pages of SQLite's own cache per connection, in KiB (negative `cache_size`): enough for the
/// upper levels of the B-trees every lookup walks; the operating system's page cache holds the rest
/// of the file. (SQLite's default of 2 MiB per connection cost the idle server 1.5 MiB in the bench
/// and bought nothing measurable.)
const SQLITE_CACHE_KIB: i64 = 512;

/// Per-connection settings: SQLite pragmas (readers are `query_only`), PostgreSQL lock timeout.
pub(super) fn set_up(conn: &mut DbConn, read_only: bool) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Sqlite(sqlite) => sqlite.batch_execute(&format!(
            "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
             PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA cache_size = -{SQLITE_CACHE_KIB}; PRAGMA query_only = {};",
            u8::from(read_only)
        )),
        // A writer waiting for a row lock gives up (503) instead of holding a connection
        // indefinitely.
        DbConn::Postgresql(pg) => pg.batch_execute("SET lock_timeout = '10s'"),
    }
}

impl ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        let mut conn = self.inner.connect()?;
        set_up(&mut conn, self.read_only).map_err(diesel::r2d2::Error::QueryError)?;
        Ok(Pooled {
            conn,
            succeeded_at: Some(Instant::now()),
        })
    }

    /// SQLite connections are never tested (a file does not drop a connection); PostgreSQL ones
    /// are unless work on them succeeded within [`TRUSTED_FOR`].
    fn is_valid(&self, pooled: &mut Pooled) -> Result<(), Self::Error> {
        let trusted = pooled
            .succeeded_at
            .is_some_and(|at| at.elapsed() < TRUSTED_FOR);
        if matches!(pooled.conn, DbConn::Sqlite(_)) || trusted {
            return Ok(());
        }
        self.inner.is_valid(&mut pooled.conn)?;
        pooled.settle(true);
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        self.inner.has_broken(&mut pooled.conn)
    }
}

/// A pool of up to `max_size` connections.
pub(super) fn pool(
    location: &DatabaseLocation,
    max_size: u32,
    read_only: bool,
) -> Result<DbPool, String> {
    Pool::builder()
        .max_size(max_size)
        // Opened as load asks for them (and closed again after ten idle minutes), not all at start.
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(true)
        .build(Manager {
            inner: ConnectionManager::new(connection_url(location)?),
            read_only,
        })
        .map_err(|e| format!("cannot open the database: {e}"))
}
