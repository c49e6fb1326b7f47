//! Provisioning benchmark (not a timed test): `cargo bench -p enrolld-tests --bench provisioning`.
//! Runs on SQLite, and on PostgreSQL too when ENROLLD_TEST_POSTGRES_URL is set. Measures creating a
//! task for 1,000 and for 10,000 users, paging through a task's entries, the user view with
//! 100,000 entries in the database, and how long single writes wait while a 30,000-user import
//! runs, through the real server and the generated client.

use std::time::Instant;

use enrolld_tests::{TestServer, new_user, percentile, types};

async fn import(client: &enrolld_tests::Client, prefix: &str, count: usize) -> Vec<String> {
    let names: Vec<String> = (0..count).map(|i| format!("{prefix}{i:06}")).collect();
    for chunk in names.chunks(10_000) {
        let users = chunk
            .iter()
            .map(|name| {
                let mut user = new_user(name);
                user.email = Some(format!("{name}@example.com"));
                user
            })
            .collect();
        client
            .import_users()
            .body(types::ImportUsers { users })
            .send()
            .await
            .expect("import");
    }
    names
}

async fn create_task(client: &enrolld_tests::Client, users: &[String]) -> (i64, f64) {
    let started = Instant::now();
    let request = types::CreateProvisioningTask {
        users: users.to_vec(),
        token_type: types::TokenType::SoftwareTotp,
        stop_date: None,
        email: None,
    };
    let task = client
        .create_provisioning_task()
        .body(request)
        .send()
        .await
        .expect("create task")
        .into_inner();
    assert_eq!(task.count as usize, users.len());
    (task.number, started.elapsed().as_secs_f64())
}

async fn run(backend: &str) {
    let server = TestServer::start_with(|c| {
        c.outbox_poll_ms = 1000;
        c.db_pool_size = 8;
    })
    .await;
    let client = server.admin();
    println!("== {backend}");

    let small = import(&client, "s", 1_000).await;
    let (_, seconds) = create_task(&client, &small).await;
    println!("create task, 1,000 users:   {seconds:.2} s");
    let large = import(&client, "l", 10_000).await;
    let (number, seconds) = create_task(&client, &large).await;
    println!("create task, 10,000 users:  {seconds:.2} s");

    let mut samples = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let started = Instant::now();
        let mut request = client.get_provisioning_task().number(number).limit(50);
        if let Some(c) = &cursor {
            request = request.cursor(c);
        }
        let page = request.send().await.expect("entries").into_inner();
        samples.push(started.elapsed());
        cursor = page.next_cursor;
    }
    println!(
        "task entries, page of 50:   p50 {:.1} ms, p99 {:.1} ms ({} pages)",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
        samples.len()
    );

    // Fill the database to over 100,000 entries: 9 more tasks of 10,000 users.
    for batch in 0..9 {
        let users = import(&client, &format!("b{batch}"), 10_000).await;
        create_task(&client, &users).await;
    }
    let mut samples = Vec::new();
    for i in 0..200 {
        let user = &large[(i * 37) % large.len()];
        let started = Instant::now();
        let view = client
            .list_user_provisioning_tasks()
            .user(user)
            .send()
            .await
            .expect("user view")
            .into_inner();
        samples.push(started.elapsed());
        assert_eq!(view.items.len(), 1);
    }
    println!(
        "user view, 101,000 entries: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99)
    );
    writes_during_import(&client).await;
}

/// Imports 30,000 users while single user creations go on one after another; prints how long the
/// import took and how long the single writes took meanwhile.
async fn writes_during_import(client: &enrolld_tests::Client) {
    let users: Vec<types::CreateUser> =
        (0..30_000).map(|i| new_user(&format!("w{i:05}"))).collect();
    let started = Instant::now();
    let bulk = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .import_users()
                .body(types::ImportUsers { users })
                .send()
                .await
                .expect("import")
        })
    };
    let mut samples = Vec::new();
    while !bulk.is_finished() {
        let single = Instant::now();
        client
            .create_user()
            .body(new_user(&format!("single{}", samples.len())))
            .send()
            .await
            .expect("a single write while the import ran");
        samples.push(single.elapsed());
    }
    bulk.await.expect("import task");
    let seconds = started.elapsed().as_secs_f64();
    let max = samples
        .iter()
        .max()
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!(
        "import of 30,000 users:     {seconds:.2} s; {} single writes meanwhile, p50 {:.1} ms, p99 {:.1} ms, max {max:.1} ms",
        samples.len(),
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
    );
}

fn main() {
    enrolld_tests::on_each_database(run);
}
