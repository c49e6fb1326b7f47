//! Builds the application from a configuration and runs it; tests bind `127.0.0.1:0` through this.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, middleware, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::api::state::AppState;
use crate::api::{self, route_table::RouteTable};
use crate::auth::{jwt::Verifier, keys};
use crate::clock::Clock;
use crate::config::{Config, read_secret};
use crate::db::{self, Db};
use crate::metrics::Metrics;
use crate::service::Deps;

/// A server that is listening.
pub struct RunningServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// Stops the server.
    pub handle: ServerHandle,
    /// Resolves when the server has stopped; must be polled (awaited or spawned) for it to serve.
    pub server: Server,
    /// The shared state (tests use its clock and database).
    pub state: web::Data<AppState>,
}

/// The application for one worker.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(api::routes)
        .split_for_parts();
    let docs = state.config.docs;
    app.app_data(state)
        .configure(move |cfg| {
            if docs {
                cfg.service(
                    SwaggerUi::new("/swagger-ui/{_:.*}").config(
                        SwaggerConfig::new(["/openapi.json"])
                            .persist_authorization(true)
                            .display_operation_id(true),
                    ),
                )
                .service(web::redirect("/swagger-ui", "/swagger-ui/"));
            }
        })
        .wrap(middleware::from_fn(api::middleware::around))
}

/// The database the configuration names.
pub fn database(config: &Config) -> Result<db::DatabaseLocation, String> {
    db::DatabaseLocation::parse(&config.database_url).map_err(|e| format!("database_url: {e}"))
}

/// The file that keeps the `--dev` signing key, next to the database.
pub fn dev_key_path(config: &Config) -> Result<PathBuf, String> {
    Ok(database(config)?.state_dir().join("enrolld-dev-jwt.key"))
}

/// Reads the `--dev` signing key, creating it when `create` is set and it does not exist yet.
pub fn dev_secret(config: &Config, create: bool) -> Result<Option<Vec<u8>>, String> {
    use base64::Engine;
    let path = dev_key_path(config)?;
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(text.trim().as_bytes().to_vec())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            let mut bytes = [0u8; 32];
            rand::fill(&mut bytes);
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            crate::files::write_private(&path, &text)?;
            Ok(Some(text.into_bytes()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("cannot read {}: {error}", path.display())),
    }
}

/// The server key ring from the configuration (on SQLite, generated next to the database if unset).
pub fn server_key(config: &Config) -> Result<crate::crypto::ServerKey, String> {
    let secret = read_secret("secret_key", &config.secret_key, &config.secret_key_file)?;
    let previous = read_secret(
        "secret_key_previous",
        &config.secret_key_previous,
        &config.secret_key_previous_file,
    )?
    .unwrap_or_default();
    let previous: Vec<String> = previous
        .split([',', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let state_dir = match database(config)? {
        db::DatabaseLocation::Sqlite(_) => Some(database(config)?.state_dir()),
        db::DatabaseLocation::Postgres(_) => None,
    };
    crate::crypto::load_server_key(secret, &previous, state_dir.as_deref())
}

/// Opens the database (running the migrations), and fills the derived user columns rows may lack.
async fn open_database(config: &Config) -> Result<Db, String> {
    let location = database(config)?;
    let pool_size = config.db_pool_size;
    let db = tokio::task::spawn_blocking(move || Db::open(&location, pool_size))
        .await
        .map_err(|e| format!("database start-up failed: {e}"))??;
    db.write(crate::service::users::backfill_derived)
        .await
        .map_err(|e| format!("database start-up failed: {e}"))?;
    Ok(db)
}

/// The token verifier: the configured keys and the rules tokens must follow.
async fn verifier(
    config: &Config,
    dev_secret: Option<Vec<u8>>,
    clock: &Clock,
) -> Result<Verifier, String> {
    let keys = keys::load(config, dev_secret, clock).await?;
    let rules = crate::auth::jwt::TokenRules {
        max_lifetime_seconds: config.jwt_max_lifetime_seconds()?,
        typ: config.jwt_typ.clone().filter(|t| !t.trim().is_empty()),
    };
    Ok(Verifier::new(
        keys,
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
        rules,
    ))
}

/// The OpenAPI document, and the route table the middleware reads from it.
fn document_and_routes(close_optional: bool) -> Result<(String, RouteTable), String> {
    let text = api::openapi::document_text();
    let spec: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("openapi: {e}"))?;
    let routes = RouteTable::from_spec(&spec, close_optional)?;
    Ok((text, routes))
}

/// Opens the database (running migrations), loads the keys, binds and starts serving.
pub async fn start(
    config: Config,
    clock: Clock,
    dev_secret: Option<Vec<u8>>,
) -> Result<RunningServer, String> {
    config.validate()?;
    if let db::DatabaseLocation::Postgres(_) = database(&config)? {
        // Before connecting: replicas must share a configured key, so say so at once.
        server_key(&config)?;
    }
    let db = open_database(&config).await?;
    let verifier = verifier(&config, dev_secret, &clock).await?;
    let listener = TcpListener::bind(config.listen_addr()?)
        .map_err(|e| format!("listen: cannot bind {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| format!("listen: {e}"))?;
    let workers = config.workers.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |n| n as usize,
    );
    // Each worker runs its database reads on its own blocking threads: more threads than the
    // connections they share would only wait in the pool, switching in and out.
    let blocking_threads = (db.read_connections() as usize).div_ceil(workers) + 1;
    let key = server_key(&config)?;
    let deliverer = crate::delivery::Deliverer::from_config(&config)?;
    let (openapi_json, routes) = document_and_routes(config.metrics_require_token)?;
    let trusted_proxies = config.trusted_proxy_networks()?;
    let deps = Deps {
        db,
        clock,
        public_url: config.public_base_url(addr)?.into(),
        config: Arc::new(config),
        key: Arc::new(key),
        outbox: Default::default(),
    };
    let state = web::Data::new(AppState {
        deps: deps.clone(),
        verifier,
        routes,
        openapi_json,
        metrics: Metrics::default(),
        stopping: Default::default(),
        refusals: Default::default(),
        trusted_proxies,
    });
    crate::background::spawn_relay(deps.clone(), Arc::new(deliverer), state.stopping.clone());
    crate::background::spawn_sweep(deps, state.refusals.clone(), state.stopping.clone());
    let counted = state.clone();
    crate::background::spawn_memory_release(
        move || counted.metrics.requests(),
        state.stopping.clone(),
    );
    let factory_state = state.clone();
    let server = HttpServer::new(move || build_app(factory_state.clone()))
        .shutdown_timeout(30)
        .workers(workers)
        .worker_max_blocking_threads(blocking_threads)
        .listen(listener)
        .map_err(|e| format!("listen: {e}"))?
        .run();
    Ok(RunningServer {
        addr,
        handle: server.handle(),
        server,
        state,
    })
}
