//! What every request handler shares.

use crate::api::route_table::RouteTable;
use crate::auth::jwt::Verifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::metrics::Metrics;

/// Shared server state (held in `web::Data`).
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Verifies operator tokens.
    pub verifier: Verifier,
    /// The current time.
    pub clock: Clock,
    /// The configuration the server runs with.
    pub config: Config,
    /// Base URL for links (no trailing slash).
    pub public_url: String,
    /// The documented operations.
    pub routes: RouteTable,
    /// The committed-form OpenAPI document, as served at `/openapi.json`.
    pub openapi_json: String,
    /// Request metrics.
    pub metrics: Metrics,
}
