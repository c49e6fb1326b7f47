//! `-WhatIf` changes nothing; a create retried after its connection dropped creates once; HTTPS
//! checks the server's certificate.

use super::*;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_if_changes_nothing_for_any_command() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    ctl.ok(
        &["New-User", "-Username", "bob", "-Email", "bob@example.com"],
        None,
    )
    .await;
    ctl.ok(&["Add-RegistrationSession", "bob"], None).await;
    let before = server.dump();
    let cases: [(&[&str], Option<&str>); 7] = [
        (&["New-User", "-Username", "eve"], None),
        (&["Set-User", "bob", "-DisplayName", "Robert"], None),
        (&["Remove-User", "bob"], None),
        (
            &[
                "Add-RegistrationSession",
                "bob",
                "-Force",
                "-Notify",
                "email",
            ],
            None,
        ),
        (&["Import-User"], Some("username\nfay\ngus\n")),
        (
            &[
                "New-ProvisioningTask",
                "-TokenType",
                "software-totp",
                "-Users",
                "bob",
            ],
            None,
        ),
        (
            &[
                "Set-SelfEnrollmentPolicy",
                "-ValidityDays",
                "3",
                "-MaxAttempts",
                "5",
            ],
            None,
        ),
    ];
    for (args, input) in cases {
        let mut args = args.to_vec();
        args.push("-WhatIf");
        let ran = ctl.run_with(&args, input).await;
        assert_eq!(ran.code, 0, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("What if: Performing the operation"),
            "{args:?}: {}",
            ran.stderr
        );
        assert_eq!(server.dump(), before, "{args:?} changed something");
    }
}

/// A proxy whose first connection carries the request to the server and the answer nowhere: the
/// client sees the connection drop after the server committed.
async fn dropping_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((mut client, _)) = listener.accept().await {
            let Ok(mut server) = TcpStream::connect(&upstream).await else {
                continue;
            };
            if std::mem::take(&mut first) {
                tokio::spawn(async move {
                    let mut buf = vec![0; 65536];
                    let n = client.read(&mut buf).await.unwrap_or(0);
                    let _ = server.write_all(&buf[..n]).await;
                    let _ = server.read(&mut buf).await; // the answer: the work is committed
                    drop(client);
                });
            } else {
                tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                });
            }
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_connection_drops_after_commit_is_retried_and_creates_once() {
    let server = TestServer::start().await;
    let upstream = server
        .url("")
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let ctl = Ctl {
        url: dropping_proxy(upstream).await,
        ..Ctl::new(&server)
    };
    let created = ctl
        .ok(
            &[
                "New-User",
                "-Username",
                "once",
                "-Email",
                "once@example.com",
            ],
            None,
        )
        .await;
    assert!(created.stderr.contains("retrying"), "{}", created.stderr);
    assert!(
        created.stderr.contains("nothing was done again"),
        "{}",
        created.stderr
    );
    assert_eq!(created.object()["username"], "once");
    let listed = Ctl::new(&server)
        .ok(&["Get-User", "-Q", "once"], None)
        .await
        .objects();
    assert_eq!(listed.len(), 1, "exactly one user");
    let audited = Ctl::new(&server)
        .ok(&["Get-AuditEvent", "-Action", "create_user"], None)
        .await;
    assert_eq!(audited.objects().len(), 1, "{}", audited.stdout);
}

/// Runs `enrollctl` on a terminal (util-linux `script` gives it one), typing `typed` there.
async fn on_a_terminal(ctl: &Ctl, args: &str, typed: &str) -> String {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_enrollctl"));
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env("ENROLLD_URL", &ctl.url);
    command.env("ENROLLD_TOKEN", ctl.token.clone().unwrap_or_default());
    command.env("XDG_CONFIG_HOME", ctl.home.join("config"));
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let typed = typed.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("script (util-linux): {e}"));
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(typed.as_bytes()).unwrap_or_default();
        }
        let out = child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("script: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_terminal_lists_are_tables_and_removals_ask_first() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    ctl.ok(
        &["Import-User"],
        Some("username,email\nann,ann@example.com\nben,ben@example.com\n"),
    )
    .await;
    let table = on_a_terminal(&ctl, "Get-User -Property username,email", "").await;
    let lines: Vec<&str> = table
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["username", "email"],
        "{table}"
    );
    assert!(
        lines[2].starts_with("ann ") && lines[3].starts_with("ben "),
        "{table}"
    );
    let declined = on_a_terminal(&ctl, "Remove-User ann", "n\n").await;
    assert!(
        declined.contains("Performing the operation \"Remove-User\" on target \"ann\""),
        "{declined}"
    );
    assert_eq!(
        ctl.run(&["Get-User", "ann"]).await.code,
        0,
        "declined: ann stays"
    );
    on_a_terminal(&ctl, "Remove-User ann", "y\n").await;
    assert_eq!(
        ctl.run(&["Get-User", "ann"]).await.code,
        4,
        "confirmed: ann is gone"
    );
    let quiet = on_a_terminal(&ctl, "Remove-User ben -Confirm:false", "").await;
    assert!(!quiet.contains("Are you sure"), "{quiet}");
    assert_eq!(
        ctl.run(&["Get-User", "ben"]).await.code,
        4,
        "-Confirm:false asks nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_trusts_the_system_store_and_ssl_cert_file_and_never_retries_a_refused_certificate() {
    let server = TestServer::start().await;
    let ca = enrolld_tests::tls::TestCa::new(&enrolld_tests::temp_dir());
    let upstream = server.url("").trim_start_matches("http://").to_owned();
    let mut ctl = Ctl::new(&server);
    ctl.url = enrolld_tests::tls::tls_front(&ca, upstream).await;

    let refused = ctl.run(&["Get-User"]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("certificate was not accepted"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("SSL_CERT_FILE"),
        "{}",
        refused.stderr
    );
    assert!(!refused.stderr.contains("retrying"), "{}", refused.stderr);

    ctl.ca_file = Some(ca.ca_file.clone());
    let created = ctl
        .ok(
            &["New-User", "-Username", "tls-bob", "-DisplayName", "Bob"],
            None,
        )
        .await;
    assert_eq!(created.object()["username"], "tls-bob");
    let got = ctl.ok(&["Get-User", "tls-bob"], None).await;
    assert_eq!(got.object()["display_name"], "Bob");
}
