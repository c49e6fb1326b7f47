//! The end-to-end harness: starts the real server on `127.0.0.1:0` with a fresh database per test
//! (a SQLite file in a temporary directory, or a fresh PostgreSQL database when
//! `ENROLLD_TEST_POSTGRES_URL` is set), mints tokens, and hands out the generated client.

use std::path::PathBuf;

use actix_web::web;
use diesel::{Connection, RunQueryDsl};
use enrolld::api::state::AppState;
use enrolld::auth::jwt;
pub use enrolld::auth::scopes::Scope;
use enrolld::clock::Clock;
use enrolld::config::Config;

pub use enrolld_client::{Client, types};

pub mod browser;
pub mod directories;
mod dump;
pub mod fixtures;
pub mod logs;
pub mod petitions;
pub mod sinks;
pub mod tls;
pub mod tokens;

use sinks::{SmsSink, SmtpSink};

/// The server key every test server is configured with.
pub const SERVER_KEY: &str = "test-server-key-test-server-key-0123456789";

/// The bearer token the SMS gateway expects.
pub const SMS_TOKEN: &str = "sms-gateway-token";

/// The HS256 secret every test server is configured with.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// A running server for one test.
pub struct TestServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// The server's clock; tests move it instead of sleeping.
    pub clock: Clock,
    /// The server's shared state.
    pub state: web::Data<AppState>,
    /// The configuration it runs with.
    pub config: Config,
    /// The SMTP server the test server sends to.
    pub smtp: SmtpSink,
    /// The SMS gateway the test server sends to.
    pub sms: SmsSink,
    handle: actix_web::dev::ServerHandle,
    dir: PathBuf,
}

/// A fresh directory under the system temp dir, removed when the server is dropped.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("enrolld-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The database URL for a new test: a fresh PostgreSQL database, or a SQLite file in `dir`.
pub fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("ENROLLD_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            let name = format!(
                "enrolld_test_{}_{}",
                unix_now(),
                uuid::Uuid::new_v4().simple()
            );
            let mut admin = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("ENROLLD_TEST_POSTGRES_URL: cannot connect: {e}"));
            LEFTOVERS_DROPPED.call_once(|| drop_leftover_databases(&mut admin));
            diesel::sql_query(format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .unwrap();
            with_database(&admin_url, &name)
        }
        _ => format!("sqlite://{}", dir.join("enrolld.db").display()),
    }
}

static LEFTOVERS_DROPPED: std::sync::Once = std::sync::Once::new();

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a test database was made over an hour ago (its name carries the time it was made), so
/// no test run can still be using it. Names without a time come from older harnesses.
fn is_stale(name: &str, now: u64) -> bool {
    let made = name
        .strip_prefix("enrolld_test_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|secs| secs.parse::<u64>().ok());
    match made {
        Some(made) if made < 10_000_000_000 => made + 3600 < now,
        _ => true,
    }
}

/// Drops the test databases that earlier runs left (each test makes one and leaves it for
/// inspection), once they are an hour old, so a run never drops another run's databases.
fn drop_leftover_databases(admin: &mut diesel::PgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'enrolld\\_test\\_%'",
    )
    .load(admin)
    .unwrap();
    let now = unix_now();
    for Name { datname } in names.into_iter().filter(|n| is_stale(&n.datname, now)) {
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
            .execute(admin)
            .unwrap();
    }
}

/// Replaces the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map(|(b, q)| (b, Some(q)))
        .unwrap_or((url, None));
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl TestServer {
    /// A server with the default test configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose configuration `adjust` may change first. Email goes to a real SMTP server and SMS
    /// to a real HTTP gateway, both started here on loopback.
    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(Clock::system(), adjust).await
    }

    /// Like [`Self::start_with`], on `clock` (replicas that must agree on the time share one).
    pub async fn start_on(clock: Clock, adjust: impl FnOnce(&mut Config)) -> Self {
        logs::capture();
        let dir = temp_dir();
        let (smtp, smtp_addr) = SmtpSink::start("127.0.0.1:0").await;
        let (sms, sms_url) = SmsSink::start().await;
        let sources = dir.join("sources");
        std::fs::create_dir_all(&sources).unwrap_or_else(|e| panic!("{e}"));
        let mut config = Config {
            source_files_dir: Some(sources),
            listen: "127.0.0.1:0".into(),
            database_url: fresh_database_url(&dir),
            jwt_secret: Some(SECRET.into()),
            secret_key: Some(SERVER_KEY.into()),
            smtp_url: Some(format!("smtp://{smtp_addr}")),
            sms_gateway_url: Some(sms_url),
            sms_gateway_token: Some(SMS_TOKEN.into()),
            mail_from: "enrolld@example.net".into(),
            outbox_poll_ms: 50,
            workers: Some(2),
            db_pool_size: 8,
            ..Config::default()
        };
        adjust(&mut config);
        let mut server = Self::start_config_on(config, dir, clock)
            .await
            .unwrap_or_else(|e| panic!("server did not start: {e}"));
        server.smtp = smtp;
        server.sms = sms;
        server
    }

    /// A server for exactly this configuration; the error is what `enrolld serve` would print.
    pub async fn start_config(config: Config, dir: PathBuf) -> Result<Self, String> {
        Self::start_config_on(config, dir, Clock::system()).await
    }

    async fn start_config_on(config: Config, dir: PathBuf, clock: Clock) -> Result<Self, String> {
        let running = enrolld::server::start(config.clone(), clock.clone(), None).await?;
        let handle = running.handle.clone();
        tokio::spawn(running.server);
        Ok(Self {
            base_url: format!("http://{}", running.addr),
            clock,
            state: running.state,
            config,
            smtp: SmtpSink::default(),
            sms: SmsSink::default(),
            handle,
            dir,
        })
    }

    /// One round of the outbox relay for `channel`, as the server's own loop runs it (with a
    /// deliverer built from the same configuration); answers how many messages it handled. Tests
    /// call it to show that nothing is left to send, instead of sleeping.
    pub async fn relay_once(&self, channel: &'static str) -> usize {
        let deliverer = enrolld::delivery::Deliverer::from_config(&self.config).unwrap();
        enrolld::service::notifications::relay::run_once(&self.state, &deliverer, "test", channel)
            .await
            .unwrap()
            .handled
    }

    /// One pass of the expiry sweep; answers how many entries it expired.
    pub async fn sweep_once(&self) -> usize {
        enrolld::service::provisioning_tasks::sweep::run_once(&self.state)
            .await
            .unwrap()
    }

    /// A token for `sub` with exactly these scopes.
    pub fn token(&self, sub: &str, scopes: &[Scope]) -> String {
        jwt::mint(
            SECRET.as_bytes(),
            "enrolld",
            "enrolld",
            sub,
            Some("Test Operator"),
            scopes,
            3600,
        )
        .unwrap()
    }

    /// A client with a token holding every scope.
    pub fn admin(&self) -> Client {
        self.client(&self.token("admin", Scope::ALL))
    }

    /// A client with a token holding these scopes.
    pub fn client_with(&self, sub: &str, scopes: &[Scope]) -> Client {
        self.client(&self.token(sub, scopes))
    }

    /// A client that sends this bearer token.
    pub fn client(&self, token: &str) -> Client {
        Client::with_token(&self.base_url, token).unwrap()
    }

    /// Writes a file that identity sources may name (under `source_files_dir`); answers its path.
    pub fn source_file(&self, name: &str, contents: &str) -> PathBuf {
        let dir = self
            .config
            .source_files_dir
            .clone()
            .unwrap_or_else(|| self.dir.join("sources"));
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }

    /// A plain HTTP client, for what the generated client cannot send.
    pub fn http(&self) -> reqwest::Client {
        enrolld::outbound::http_builder().build().unwrap()
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A connection straight to the server's database (for checks the API cannot make).
    pub fn database(&self) -> enrolld::db::DbConn {
        let location = enrolld::server::database(&self.config).unwrap();
        enrolld::db::connect(&location).unwrap()
    }

    /// Turns off identity verification enforcement, for tests about something else that need a
    /// session's link in the answer.
    pub async fn stop_enforcing_identity_verification(&self) {
        self.admin()
            .update_identity_verification_settings()
            .body(types::IdentityVerificationSettings {
                enforce: false,
                window_minutes: 15,
            })
            .send()
            .await
            .unwrap();
    }

    /// How many rows `table` holds.
    pub fn count_rows(&self, table: &str) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<Count>(&mut self.database())
            .unwrap()
            .n
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.state
            .stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let handle = self.handle.clone();
        drop(handle.stop(false));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Asserts a 403 that names the missing scope.
pub fn assert_forbidden(problem: &types::Problem, scope: &str) {
    assert_eq!(problem.status, 403, "{problem:?}");
    assert!(problem.detail.contains(scope), "{}", problem.detail);
}

/// A user to create, with only a username.
pub fn new_user(username: &str) -> types::CreateUser {
    types::CreateUser {
        username: username.into(),
        display_name: None,
        given_name: None,
        family_name: None,
        email: None,
        phone: None,
        state: None,
    }
}

/// Every operation of the committed document (`openapi/openapi.json`): its method and its object.
pub fn committed_operations() -> Vec<(String, serde_json::Value)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut found = Vec::new();
    for item in doc["paths"].as_object().unwrap().values() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((method.clone(), operation.clone()));
        }
    }
    found
}

/// The status of a failed client call (panics on success).
pub fn status_of<T, E: std::fmt::Debug>(result: Result<T, enrolld_client::Error<E>>) -> u16 {
    match result {
        Ok(_) => panic!("expected an error, got a success"),
        Err(error) => error
            .status()
            .map(|s| s.as_u16())
            .unwrap_or_else(|| panic!("no status: {error:?}")),
    }
}

/// The problem body of a failed client call (panics on success or on a non-problem error).
pub fn problem_of<T: std::fmt::Debug>(
    result: Result<T, enrolld_client::Error<types::Problem>>,
) -> types::Problem {
    match result {
        Ok(value) => panic!("expected a problem, got {value:?}"),
        Err(enrolld_client::Error::ErrorResponse(response)) => response.into_inner(),
        Err(other) => panic!("expected a problem, got {other:?}"),
    }
}

/// Decodes the QR code in a PNG image to its text.
pub fn decode_qr_png(png_bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let (width, height) = (info.width as usize, info.height as usize);
    let channels = info.color_type.samples();
    let luma = |x: usize, y: usize| buffer[(y * width + x) * channels];
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "expected one QR code in the image");
    grids[0].decode().unwrap().1
}

/// The `p` quantile (0 to 1) of `samples`, in milliseconds (sorts them).
pub fn percentile(samples: &mut [std::time::Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

/// Runs a benchmark on SQLite, then on PostgreSQL when `ENROLLD_TEST_POSTGRES_URL` is set (the
/// harness picks PostgreSQL while the variable is set), on a two-thread runtime.
pub fn on_each_database<F: Future<Output = ()>>(mut run: impl FnMut(&'static str) -> F) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let postgres = std::env::var("ENROLLD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    // SAFETY: called first thing in a benchmark's main, before any other thread reads the
    // environment.
    unsafe { std::env::remove_var("ENROLLD_TEST_POSTGRES_URL") };
    runtime.block_on(run("SQLite"));
    if let Some(url) = postgres {
        unsafe { std::env::set_var("ENROLLD_TEST_POSTGRES_URL", url) };
        runtime.block_on(run("PostgreSQL"));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_databases_over_an_hour_old_are_stale() {
        let now = 1_800_000_000;
        assert!(super::is_stale("enrolld_test_1799990000_abc", now));
        assert!(!super::is_stale("enrolld_test_1799999000_abc", now));
        assert!(super::is_stale(
            "enrolld_test_0193a4c85f1e7cc28d6a3f1e2b0c9d12",
            now
        ));
    }
}
