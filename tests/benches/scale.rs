//! Scale benchmark (not a timed test): `cargo bench -p enrolld-tests --bench scale`.
//!
//! Measures `get_user`, `list_enrollments` and creating a registration session with 10,000 and with
//! 1,000,000 users in the database (each with two enrollments), on SQLite, and on PostgreSQL too when
//! ENROLLD_TEST_POSTGRES_URL is set, through the real server and the generated client, 16 requests
//! in flight. `SCALE_USERS=10000,1000000` (the default) picks the sizes.
//!
//! The database is filled by the documented fast path (README, "Performance"): users and
//! enrollments inserted by SQL, then the derived columns (confusable skeleton, search text) computed
//! by the server's own start-up backfill. The time each step takes is printed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use enrolld::db::{DatabaseLocation, DbConn};
use enrolld_tests::{TestServer, fresh_database_url, percentile, temp_dir, types};

const IN_FLIGHT: usize = 16;
const REQUESTS: usize = 4_000;

/// The SQL that inserts `n` users and two enrollments each (derived columns left for the backfill).
fn fill_sql(conn: &DbConn, n: usize) -> String {
    let (series, pad) = match conn {
        DbConn::Sqlite(_) => (
            format!(
                "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) SELECT i FROM s)"
            ),
            "printf('%07d', i)",
        ),
        DbConn::Postgresql(_) => (
            format!("(SELECT i FROM generate_series(1, {n}) AS i)"),
            "lpad(i::text, 7, '0')",
        ),
    };
    let t = "'2026-01-01 00:00:00'";
    format!(
        "INSERT INTO users (id, username, display_name, email, phone, state, version, created_at, updated_at)
           SELECT '00000000-0000-4000-8000-00000' || {pad}, 'u' || {pad}, 'User ' || {pad},
                  'u' || {pad} || '@scale.example', '+1415' || {pad}, 'active', 1, {t}, {t} FROM {series} AS n;
         INSERT INTO enrollments (id, user_id, service_id, address, method, enrolled_at, enrolled_by)
           SELECT '10000000-0000-4000-8000-00000' || {pad}, '00000000-0000-4000-8000-00000' || {pad},
                  'personal-email', 'u' || {pad} || '@scale.example', 'batch', {t}, 'scale' FROM {series} AS n;
         INSERT INTO enrollments (id, user_id, service_id, address, method, enrolled_at, enrolled_by)
           SELECT '20000000-0000-4000-8000-00000' || {pad}, '00000000-0000-4000-8000-00000' || {pad},
                  'mobile-code', '+1415' || {pad}, 'batch', {t}, 'scale' FROM {series} AS n;"
    )
}

/// Fills a fresh database with `n` users; answers the seconds the SQL and the backfill took.
fn fill(url: &str, n: usize) -> (f64, f64) {
    let location = DatabaseLocation::parse(url).expect("database url");
    let mut conn = enrolld::db::connect(&location).expect("database");
    let started = Instant::now();
    let sql = fill_sql(&conn, n);
    conn.batch_execute(&format!("BEGIN; {sql} COMMIT;"))
        .expect("fill");
    let inserted = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let derived = enrolld::service::users::backfill_derived(&mut conn).expect("backfill");
    assert_eq!(derived, n);
    if let DbConn::Postgresql(pg) = &mut conn {
        diesel::sql_query("ANALYZE").execute(pg).expect("analyze");
    }
    (inserted, started.elapsed().as_secs_f64())
}

#[derive(Clone, Copy, Debug)]
enum Operation {
    GetUser,
    ListEnrollments,
    CreateSession,
}

async fn call(client: &enrolld_tests::Client, operation: Operation, user: &str) {
    match operation {
        Operation::GetUser => {
            client.get_user().user(user).send().await.expect("get user");
        }
        Operation::ListEnrollments => {
            let list = client
                .list_enrollments()
                .user(user)
                .send()
                .await
                .expect("list enrollments");
            assert_eq!(list.items.len(), 2);
        }
        Operation::CreateSession => {
            client
                .create_registration_session()
                .user(user)
                .body(types::CreateRegistrationSession {
                    force: Some(true),
                    hours_to_live: Some(1.0),
                    notify: Vec::new(),
                })
                .send()
                .await
                .expect("create session");
        }
    }
}

/// p50 and p99 in milliseconds of `REQUESTS` calls spread over the users, `IN_FLIGHT` at a time.
async fn measure(client: &enrolld_tests::Client, operation: Operation, n: usize) -> (f64, f64) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (client, next) = (client.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= REQUESTS {
                    return samples;
                }
                // Spread over the whole population (a multiplicative walk, no two alike).
                let user = format!("u{:07}", 1 + (i * 7_919) % n);
                let started = Instant::now();
                call(&client, operation, &user).await;
                samples.push(started.elapsed());
            }
        }));
    }
    let mut samples: Vec<Duration> = Vec::new();
    for worker in workers {
        samples.extend(worker.await.expect("worker"));
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
    )
}

const OPERATIONS: [Operation; 3] = [
    Operation::GetUser,
    Operation::ListEnrollments,
    Operation::CreateSession,
];

/// Answers the p99 of each operation at size `n`.
async fn run(backend: &str, n: usize) -> Vec<f64> {
    let dir = temp_dir();
    let url = fresh_database_url(&dir);
    let (inserted, derived) = fill(&url, n);
    println!(
        "{backend}, {n} users: filled in {inserted:.1} s (SQL) + {derived:.1} s (derived columns)"
    );
    let config = enrolld::config::Config {
        listen: "127.0.0.1:0".into(),
        database_url: url,
        jwt_secret: Some(enrolld_tests::SECRET.into()),
        secret_key: Some(enrolld_tests::SERVER_KEY.into()),
        outbox_dir: Some(dir.join("outbox")),
        workers: Some(2),
        ..enrolld::config::Config::default()
    };
    let server = TestServer::start_config(config, dir).await.expect("server");
    let client = server.admin();
    let mut p99s = Vec::new();
    for operation in OPERATIONS {
        call(&client, operation, "u0000001").await;
        let (p50, p99) = measure(&client, operation, n).await;
        println!("  {operation:?}: p50 {p50:.2} ms, p99 {p99:.2} ms");
        p99s.push(p99);
    }
    p99s
}

async fn backend(name: &str, sizes: &[usize]) {
    let mut rows = Vec::new();
    for &n in sizes {
        rows.push((n, run(name, n).await));
    }
    let (Some((small, first)), Some((large, last))) = (rows.first(), rows.last()) else {
        return;
    };
    for (i, operation) in OPERATIONS.iter().enumerate() {
        let ratio = last[i] / first[i];
        let verdict = if ratio <= 1.5 { "ok" } else { "OVER 1.5x" };
        println!(
            "{name} {operation:?}: p99 at {large} users / at {small} users = {ratio:.2} ({verdict})"
        );
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SCALE_USERS")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("SCALE_USERS: numbers"))
        .collect();
    enrolld_tests::on_each_database(|name| backend(name, &sizes));
}
