//! `-WhatIf` changes nothing; a create retried after its connection dropped creates once.

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
