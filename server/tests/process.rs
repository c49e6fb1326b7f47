//! The `enrolld` binary as a user runs it: the command line, `--dev` first run, token minting, and a
//! SIGTERM that lets the request in flight finish before exiting 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

fn enrolld() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_enrolld"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

fn temp_dir() -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("enrolld-process-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts `serve --dev` on `database` and a free port; answers the process and the first five lines it
/// prints (the base URL, Swagger UI, the outbox directory, a heading, the administrator token).
fn start_dev(database: &str) -> (std::process::Child, Vec<String>) {
    let mut child = enrolld()
        .args([
            "serve",
            "--dev",
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
        ])
        .env("ENROLLD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
    let lines = reader.by_ref().take(5).map(|line| line.unwrap()).collect();
    // Keep reading, so anything printed later never meets a closed pipe.
    std::thread::spawn(move || reader.for_each(drop));
    (child, lines)
}

#[test]
fn openapi_prints_exactly_the_committed_document() {
    let output = enrolld().arg("openapi").output().unwrap();
    assert!(output.status.success());
    let committed = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap();
    assert!(
        output.stdout == committed,
        "run: cargo run -p enrolld -- openapi > openapi/openapi.json"
    );
}

#[test]
fn serve_without_a_key_explains_itself_in_one_line() {
    let dir = temp_dir();
    let output = enrolld()
        .current_dir(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("ENROLLD_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("enrolld: no JWT verification key"),
        "{stderr}"
    );
    let output = enrolld()
        .current_dir(&dir)
        .args(["serve"])
        .env("ENROLLD_LOG", "off")
        .env("ENROLLD_LISTEN", "not-an-address")
        .env("ENROLLD_JWT_SECRET", "x".repeat(40))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        "enrolld: listen: \"not-an-address\" is not an address like 127.0.0.1:8080"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn dev_mode_token_issue_and_graceful_sigterm() {
    let dir = temp_dir();
    let database = format!("sqlite://{}", dir.join("data/enrolld.db").display());
    let (child, first_lines) = start_dev(&database);
    let (base, admin_token) = the_dev_banner_shows_the_way(&dir, &first_lines);

    let agent_token = token_issue_finds_the_dev_key(&database);
    key_generate_prints_a_32_byte_key();
    token_lifetimes_are_bounded(&database);
    let http = blocking_http();
    tokens_grant_their_scopes(&http, &base, &agent_token, &admin_token);
    a_verification_email_lands_in_the_outbox(&http, &base, &admin_token, &dir);
    sigterm_lets_a_long_import_finish(&http, &base, &admin_token, child);
    let _ = std::fs::remove_dir_all(dir);
}

/// The first lines printed by `--dev`: the base URL, Swagger UI, the outbox; the key is kept next to
/// the database. Answers the base URL and the administrator token.
fn the_dev_banner_shows_the_way(dir: &std::path::Path, first_lines: &[String]) -> (String, String) {
    let base = first_lines[0].rsplit(' ').next().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{}", first_lines[0]);
    assert!(first_lines[1].contains(&format!("{base}/swagger-ui/")));
    assert!(
        first_lines[2].contains("enrolld-outbox"),
        "{}",
        first_lines[2]
    );
    let admin_token = first_lines[4].clone();
    assert!(dir.join("data/enrolld-dev-jwt.key").exists());
    (base, admin_token)
}

/// `token issue` finds the key `--dev` keeps next to the database; answers the token.
fn token_issue_finds_the_dev_key(database: &str) -> String {
    let issued = enrolld()
        .args([
            "token",
            "issue",
            "--sub",
            "ada",
            "--scope",
            "users:read,users:write",
            "--ttl",
            "10m",
        ])
        .args(["--database", database])
        .output()
        .unwrap();
    assert!(
        issued.status.success(),
        "{}",
        String::from_utf8_lossy(&issued.stderr)
    );
    String::from_utf8(issued.stdout).unwrap().trim().to_owned()
}

/// `key generate` prints a fresh 32-byte key, base64.
fn key_generate_prints_a_32_byte_key() {
    let generated = enrolld().args(["key", "generate"]).output().unwrap();
    assert!(generated.status.success());
    let key = String::from_utf8(generated.stdout).unwrap();
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key.trim())
        .unwrap();
    assert_eq!(bytes.len(), 32);
}

/// --ttl is bounded by jwt_max_lifetime (24 h by default).
fn token_lifetimes_are_bounded(database: &str) {
    let too_long = enrolld()
        .args(["token", "issue", "--sub", "ada", "--role", "administrator"])
        .args(["--ttl", "30d", "--database", database])
        .output()
        .unwrap();
    assert!(!too_long.status.success());
    assert!(String::from_utf8_lossy(&too_long.stderr).contains("jwt_max_lifetime"));
}

/// The issued token lists users but may not read the audit trail; the administrator's may.
fn tokens_grant_their_scopes(
    http: &reqwest::blocking::Client,
    base: &str,
    agent_token: &str,
    admin_token: &str,
) {
    let listed = http
        .get(format!("{base}/v1/users"))
        .bearer_auth(agent_token)
        .send()
        .unwrap();
    assert_eq!(listed.status(), 200);
    let audit = http
        .get(format!("{base}/v1/audit-events"))
        .bearer_auth(agent_token)
        .send()
        .unwrap();
    assert_eq!(audit.status(), 403);
    let audit = http
        .get(format!("{base}/v1/audit-events"))
        .bearer_auth(admin_token)
        .send()
        .unwrap();
    assert_eq!(audit.status(), 200);
}

/// Without SMTP, --dev writes emails into the outbox directory: a verification code lands there.
fn a_verification_email_lands_in_the_outbox(
    http: &reqwest::blocking::Client,
    base: &str,
    admin_token: &str,
    dir: &std::path::Path,
) {
    let bob = serde_json::json!({"username": "bob", "email": "bob@example.com"});
    let created = http
        .post(format!("{base}/v1/users"))
        .bearer_auth(admin_token)
        .json(&bob)
        .send()
        .unwrap();
    assert_eq!(created.status(), 201);
    let started = http
        .post(format!("{base}/v1/users/bob/identity-verifications"))
        .bearer_auth(admin_token)
        .json(&serde_json::json!({"channel": "email"}))
        .send()
        .unwrap();
    assert_eq!(started.status(), 201);
    let outbox = dir.join("data/enrolld-outbox");
    let mut eml = None;
    for _ in 0..100 {
        eml = std::fs::read_dir(&outbox)
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path());
        if eml.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let eml = std::fs::read_to_string(eml.expect("an email in the outbox directory")).unwrap();
    assert!(eml.contains("To: bob@example.com"), "{eml}");
}

/// A long import is in flight when SIGTERM arrives: it completes, then the process exits 0.
fn sigterm_lets_a_long_import_finish(
    http: &reqwest::blocking::Client,
    base: &str,
    admin_token: &str,
    mut child: std::process::Child,
) {
    let users: Vec<serde_json::Value> = (0..30_000)
        .map(|i| serde_json::json!({"username": format!("u{i}"), "email": format!("u{i}@example.com")}))
        .collect();
    let body = serde_json::json!({ "users": users }).to_string();
    let import = std::thread::spawn({
        let http = http.clone();
        let url = format!("{base}/v1/users/import");
        let token = admin_token.to_owned();
        move || {
            http.post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let response = import.join().unwrap().unwrap();
    assert_eq!(response.status(), 200);
    let result: serde_json::Value = response.json().unwrap();
    assert_eq!(result["created"], 30_000);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn a_killed_server_keeps_every_answered_write_and_a_sound_database() {
    let dir = temp_dir();
    let path = dir.join("enrolld.db");
    let database = format!("sqlite://{}", path.display());
    let (mut child, lines) = start_dev(&database);
    let base = lines[0].rsplit(' ').next().unwrap().to_owned();
    let token = lines[4].clone();
    // Four writers create users as fast as they can; each remembers what was answered 201.
    let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (base, token, answered) = (base.clone(), token.clone(), answered.clone());
            std::thread::spawn(move || {
                let http = blocking_http();
                for n in 0.. {
                    let username = format!("w{writer}-{n}");
                    let sent = http
                        .post(format!("{base}/v1/users"))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"username": username, "email": "a@example.com"}))
                        .send();
                    match sent {
                        Ok(response) if response.status() == 201 => {
                            answered.lock().unwrap().push(username)
                        }
                        Ok(response) => panic!("{username}: {}", response.status()),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush.
    child.wait().unwrap();
    for writer in writers {
        writer.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() >= 10,
        "only {} writes before the kill",
        answered.len()
    );

    let (mut child, lines) = start_dev(&database);
    let base = lines[0].rsplit(' ').next().unwrap().to_owned();
    let token = lines[4].clone();
    let http = blocking_http();
    for username in &answered {
        let found = http
            .get(format!("{base}/v1/users/{username}"))
            .bearer_auth(&token)
            .send()
            .unwrap();
        assert_eq!(
            found.status(),
            200,
            "{username} was answered 201 but is gone"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let location = enrolld::db::DatabaseLocation::Sqlite(path);
    let mut conn = enrolld::db::connect(&location).unwrap();
    let check: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .unwrap();
    assert_eq!(check.len(), 1);
    assert_eq!(check[0].integrity_check, "ok");
    let _ = std::fs::remove_dir_all(dir);
}

/// A blocking HTTP client (HTTPS-capable, so the TLS provider goes in first).
fn blocking_http() -> reqwest::blocking::Client {
    enrolld::outbound::install_tls_provider();
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}
