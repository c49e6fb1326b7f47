//! What every request handler shares.

use crate::api::route_table::RouteTable;
use crate::auth::jwt::Verifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::ServerKey;
use crate::db::Db;
use crate::delivery::Deliverer;
use crate::delivery::relay::Wakeup;
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
    /// Keys derived from the server key (code hashes, sealed outbox payloads).
    pub key: ServerKey,
    /// Email and SMS transports.
    pub deliverer: Deliverer,
    /// Wakes the outbox relay after a commit that queued messages.
    pub outbox_wakeup: Wakeup,
    /// Reverse proxies whose forwarded-for headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Refused unauthenticated requests not yet audited (they are audited per source and minute).
    pub refusals: crate::service::refusals::Tally,
    /// Set when the server stops: the background loops (relay, sweep) end at their next turn.
    pub stopping: std::sync::atomic::AtomicBool,
}
