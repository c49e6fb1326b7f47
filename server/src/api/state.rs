//! What every request handler shares: the services' [`Deps`] and what HTTP needs besides (token
//! verification, the route table, the served document, metrics, proxies, the refusal tally). Handlers
//! pass `&state` to services, which take `&Deps`: `AppState` dereferences to them.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::api::route_table::RouteTable;
use crate::auth::jwt::Verifier;
use crate::metrics::Metrics;
use crate::service::Deps;
use crate::service::refusals::Tally;

/// Shared server state (held in `web::Data`).
pub struct AppState {
    /// What the services use.
    pub deps: Deps,
    /// Verifies operator tokens.
    pub verifier: Verifier,
    /// The documented operations.
    pub routes: RouteTable,
    /// The committed-form OpenAPI document, as served at `/openapi.json`.
    pub openapi_json: String,
    /// Request metrics.
    pub metrics: Metrics,
    /// Reverse proxies whose forwarded-for headers are believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Refused unauthenticated requests not yet audited (they are audited per source and minute).
    pub refusals: Arc<Tally>,
    /// Set when the server stops: the background loops (relay, sweep) end at their next turn.
    pub stopping: Arc<AtomicBool>,
}

impl std::ops::Deref for AppState {
    type Target = Deps;

    fn deref(&self) -> &Deps {
        &self.deps
    }
}
