use std::collections::BTreeSet;

use enrolld::config::{Config, KEYS, env_name};
use enrolld_tests::{TestServer, temp_dir};

#[test]
fn keys_list_every_config_field_and_the_example_documents_each() {
    let full = Config {
        public_url: Some("x".into()),
        jwt_secret: Some("x".into()),
        jwt_secret_file: Some("x".into()),
        jwt_public_key_file: Some("x".into()),
        jwt_jwks_file: Some("x".into()),
        jwt_jwks_url: Some("x".into()),
        jwt_algorithms: Some("x".into()),
        secret_key: Some("x".into()),
        secret_key_file: Some("x".into()),
        secret_key_previous: Some("x".into()),
        secret_key_previous_file: Some("x".into()),
        jwt_typ: Some("x".into()),
        trusted_proxies: Some("x".into()),
        smtp_url: Some("x".into()),
        smtp_password_file: Some("x".into()),
        sms_gateway_url: Some("x".into()),
        sms_gateway_token: Some("x".into()),
        sms_gateway_token_file: Some("x".into()),
        workers: Some(1),
        outbox_dir: Some("x".into()),
        source_files_dir: Some("x".into()),
        ..Config::default()
    };
    let table = toml::Table::try_from(&full).unwrap();
    let fields: BTreeSet<&str> = table.keys().map(String::as_str).collect();
    assert_eq!(fields, KEYS.iter().copied().collect::<BTreeSet<_>>());

    let example_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../enrolld.example.toml");
    let example = std::fs::read_to_string(example_path).unwrap();
    Config::load(Some(std::path::Path::new(example_path)), []).unwrap();
    for key in KEYS {
        let documented = example.lines().any(|line| {
            let line = line.trim_start_matches('#').trim();
            line.starts_with(&format!("{key} =")) || line.starts_with(&format!("{key}="))
        });
        assert!(documented, "enrolld.example.toml does not document {key}");
        assert!(
            example.contains(&env_name(key)),
            "enrolld.example.toml does not name {}",
            env_name(key)
        );
    }
}

#[test]
fn environment_wins_over_the_file_and_bad_values_name_their_key() {
    let dir = temp_dir();
    let file = dir.join("enrolld.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9000\"\nmail_from = \"file@example.com\"\n",
    )
    .unwrap();
    let env = [
        ("ENROLLD_LISTEN".to_owned(), "127.0.0.1:9100".to_owned()),
        ("ENROLLD_MAX_BODY_BYTES".into(), "2048".into()),
    ];
    let config = Config::load(Some(&file), env).unwrap();
    assert_eq!(config.listen, "127.0.0.1:9100");
    assert_eq!(config.mail_from, "file@example.com");
    assert_eq!(config.max_body_bytes, 2048);

    let error = Config::load(None, [("ENROLLD_MAX_BODY_BYTES".into(), "lots".into())]).unwrap_err();
    assert!(error.contains("ENROLLD_MAX_BODY_BYTES"), "{error}");
    std::fs::write(&file, "listen = 8080\n").unwrap();
    let error = Config::load(Some(&file), []).unwrap_err();
    assert!(error.contains("listen"), "{error}");
    std::fs::write(&file, "colour = \"red\"\n").unwrap();
    let error = Config::load(Some(&file), []).unwrap_err();
    assert!(error.contains("colour"), "{error}");
    let bad = Config {
        listen: "nowhere".into(),
        ..Config::default()
    };
    assert!(bad.validate().unwrap_err().starts_with("listen:"));
    let bad = Config {
        database_url: "mysql://x".into(),
        ..Config::default()
    };
    let error = enrolld::server::database(&bad).unwrap_err();
    assert!(error.starts_with("database_url:"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_without_a_key_or_with_a_weak_one() {
    let dir = temp_dir();
    let config = Config {
        listen: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}", dir.join("nested/dir/enrolld.db").display()),
        ..Config::default()
    };
    let error = TestServer::start_config(config.clone(), dir.clone())
        .await
        .err()
        .unwrap();
    assert!(error.starts_with("no JWT verification key"), "{error}");
    assert!(!error.contains('\n'));
    let weak = Config {
        jwt_secret: Some("short".into()),
        ..config.clone()
    };
    let error = TestServer::start_config(weak, dir.clone())
        .await
        .err()
        .unwrap();
    assert_eq!(error, "jwt_secret: must be at least 32 bytes");
    // The SQLite file and its directories were created on the way.
    assert!(dir.join("nested/dir/enrolld.db").exists());
    // On PostgreSQL every replica must share a configured server key: refused in one line that says
    // how to make one (before any connection is tried).
    let shared = Config {
        database_url: "postgres://enrolld@127.0.0.1:1/enrolld".into(),
        jwt_secret: Some("a-shared-secret-a-shared-secret-0123".into()),
        ..config.clone()
    };
    let error = TestServer::start_config(shared, dir.clone())
        .await
        .err()
        .unwrap();
    assert!(error.contains("enrolld key generate"), "{error}");
    assert!(error.contains("ENROLLD_SECRET_KEY"), "{error}");
    assert!(!error.contains('\n'));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_urls_may_be_relative_or_absolute() {
    let dir = temp_dir();
    let absolute = format!("sqlite://{}", dir.join("abs.db").display());
    assert!(absolute.starts_with("sqlite:///"));
    let server = TestServer::start_with(|c| c.database_url = absolute.clone()).await;
    server.admin().list_users().send().await.unwrap();
    assert!(dir.join("abs.db").exists());
    assert_eq!(
        enrolld::db::DatabaseLocation::parse("sqlite://data/enrolld.db").unwrap(),
        enrolld::db::DatabaseLocation::Sqlite("data/enrolld.db".into())
    );
    let _ = std::fs::remove_dir_all(dir);
}
