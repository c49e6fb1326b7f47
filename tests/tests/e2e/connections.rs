//! Database connections the server loses (PostgreSQL restarted, a proxy closing idle connections)
//! are replaced: an idle one is checked before it is handed out, and one in constant use costs at
//! most the one request that finds it closed. (SQLite files do not drop connections.)

use std::time::Duration;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use enrolld::db::DbConn;
use enrolld_tests::TestServer;
use enrolld_tests::fixtures::create_users;

/// Closes every other connection to the server's PostgreSQL database, as a restart would.
fn drop_server_connections(server: &TestServer) -> usize {
    #[derive(diesel::QueryableByName)]
    struct Dropped {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        dropped: i64,
    }
    let mut conn = server.database();
    let dropped: Dropped = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid)) AS dropped FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result(&mut conn)
    .unwrap();
    // Closed connections notice only when next used; give the backends time to exit.
    std::thread::sleep(Duration::from_millis(200));
    conn.batch_execute("SELECT 1").unwrap();
    usize::try_from(dropped.dropped).unwrap()
}

async fn read_user(server: &TestServer) -> bool {
    server.admin().get_user().user("ada").send().await.is_ok()
}

#[tokio::test]
async fn dropped_postgresql_connections_are_replaced() {
    // The relay polls rarely, so that only these requests use the pool.
    let server = TestServer::start_with(|c| c.outbox_poll_ms = 600_000).await;
    if !matches!(server.database(), DbConn::Postgresql(_)) {
        return;
    }
    create_users(&server.admin(), &["ada"]).await;
    let concurrent = futures_util::future::join_all((0..8).map(|_| read_user(&server))).await;
    assert!(concurrent.into_iter().all(|ok| ok));

    // Idle past the second a connection is trusted for: each is checked and replaced, no request fails.
    assert!(drop_server_connections(&server) >= 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    for _ in 0..20 {
        assert!(
            read_user(&server).await,
            "a request failed on a checked connection"
        );
    }

    // In constant use: a request may fail on each dropped connection, once; then all succeed.
    let dropped = drop_server_connections(&server);
    let mut failed = 0;
    for _ in 0..(dropped + 20) {
        failed += usize::from(!read_user(&server).await);
    }
    assert!(
        failed <= dropped,
        "{failed} requests failed for {dropped} dropped connections"
    );
    for _ in 0..20 {
        assert!(
            read_user(&server).await,
            "a dropped connection was handed out again"
        );
    }
}
