//! Whether this process can serve: the database answers.

use crate::db::{self, Db};
use crate::error::AppResult;

/// Succeeds when the database answers a trivial query.
pub async fn database_reachable(db: &Db) -> AppResult<()> {
    db.read(|conn| db::ping(conn).map_err(Into::into)).await
}
