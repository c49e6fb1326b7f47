//! Every operation has a command; the Specops session workflow; exit codes; the profile; completions.

use super::*;

/// The cmdlet names the issue lists.
const ISSUE_NAMES: [&str; 22] = [
    "Get-User",
    "New-User",
    "Import-User",
    "Get-Enrollment",
    "Add-Enrollment",
    "Remove-Enrollment",
    "Start-IdentityVerification",
    "Confirm-IdentityVerification",
    "New-EnrollmentChallenge",
    "Confirm-EnrollmentChallenge",
    "Add-RegistrationSession",
    "Get-RegistrationSession",
    "Remove-RegistrationSession",
    "Send-RegistrationSessionNotification",
    "New-ProvisioningTask",
    "Get-ProvisioningTask",
    "Set-ProvisioningTask",
    "Remove-ProvisioningTaskUser",
    "Send-ProvisioningTask",
    "Remove-ProvisioningTask",
    "Export-ProvisioningReport",
    "Get-AuditEvent",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_in_the_document_has_a_command_with_help() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    let operations = enrolld_tests::committed_operations();
    assert!(operations.len() > 50);
    for (_, operation) in &operations {
        let id = operation["operationId"].as_str().unwrap_or_default();
        let ran = ctl.run(&[id, "--help"]).await;
        assert_eq!(ran.code, 0, "{id}: {}", ran.stderr);
        // The operation's own summary: progenitor generated its command.
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && ran.stdout.contains(summary),
            "{id}: {}",
            ran.stdout
        );
    }
    let listing = ctl.run(&["-?"]).await;
    for name in ISSUE_NAMES {
        assert!(
            listing.stdout.contains(name),
            "{name} not listed:\n{}",
            listing.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_specops_session_workflow_add_get_send_remove() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    ctl.ok(
        &["New-User", "-Username", "bob", "-Email", "bob@example.com"],
        None,
    )
    .await;
    let added = ctl
        .ok(
            &[
                "Add-RegistrationSession",
                "-Username",
                "bob",
                "-HoursToLive",
                "24",
                "-Force",
            ],
            None,
        )
        .await
        .object();
    assert_eq!(added["status"], "pending");
    let id = added["id"].as_str().unwrap_or_default().to_owned();
    // The same session by id (a bare word is the id), and in the list for the user.
    let got = ctl
        .ok(&["get-registrationsession", &id], None)
        .await
        .object();
    assert_eq!(got["id"], added["id"]);
    let listed = ctl
        .ok(&["Get-RegistrationSession", "-User", "bob"], None)
        .await
        .objects();
    assert_eq!(listed.len(), 1);
    let sent = ctl
        .ok(
            &[
                "Send-RegistrationSessionNotification",
                "-Id",
                &id,
                "-Channels",
                "Email",
            ],
            None,
        )
        .await
        .object();
    assert_eq!(sent["notification_ids"].as_array().map(Vec::len), Some(1));
    assert_eq!(server.smtp.wait_for(1).await.len(), 1);
    ctl.ok(
        &["Remove-RegistrationSession", "-Id", &id, "-Confirm:$false"],
        None,
    )
    .await;
    let after = ctl
        .ok(&["Get-RegistrationSession", "-Id", &id], None)
        .await
        .object();
    assert_ne!(after["status"], "pending", "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_exit_code_means_what_it_says() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    assert_eq!(ctl.run(&["Get-Health"]).await.code, 0);
    ctl.ok(&["New-User", "-Username", "ann"], None).await;
    let taken = ctl.run(&["New-User", "-Username", "ann"]).await;
    assert_eq!(taken.code, 1, "{}", taken.stderr);
    assert!(
        taken.stderr.contains("New-User: Conflict"),
        "title and detail: {}",
        taken.stderr
    );
    for usage in [
        &["Get-User", "-Bogus", "1"][..],
        &["New-User"],
        &["Frobnicate-User"],
        &[],
    ] {
        let ran = ctl.run(usage).await;
        assert_eq!(ran.code, 2, "{usage:?}: {}", ran.stderr);
    }
    let csv = "username,email\nbea,bea@example.com\ncid,not-an-email\n";
    let partly = ctl.run_with(&["Import-User"], Some(csv)).await;
    assert_eq!(partly.code, 3, "{}", partly.stderr);
    assert!(
        partly.stderr.contains("1 of 2 items failed"),
        "{}",
        partly.stderr
    );
    let missing = ctl.run(&["Get-User", "nobody", "-Format", "Json"]).await;
    assert_eq!(missing.code, 4);
    let problem: Value = serde_json::from_str(missing.stderr.trim()).unwrap_or_default();
    assert_eq!(
        problem["code"], "not_found",
        "the whole problem with -Format Json: {}",
        missing.stderr
    );
    let reader = Ctl {
        token: Some(server.token("reader", &[enrolld_tests::Scope::UsersRead])),
        ..Ctl::new(&server)
    };
    assert_eq!(reader.run(&["New-User", "-Username", "dan"]).await.code, 5);
    let stranger = Ctl {
        token: Some("not-a-token".into()),
        ..Ctl::new(&server)
    };
    assert_eq!(stranger.run(&["Get-User"]).await.code, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_keeps_a_private_profile_that_the_environment_overrides() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    let token = ctl.token.clone().unwrap_or_default();
    let bare = Ctl {
        token: None,
        url: "http://127.0.0.1:9".into(),
        ..Ctl::new(&server)
    };
    let refused = Ctl {
        home: bare.home.clone(),
        url: server.url(""),
        token: None,
        ca_file: None,
    };
    assert_eq!(
        refused
            .run(&[
                "Connect-Enrolld",
                "-Server",
                &server.url(""),
                "-Token",
                "bad"
            ])
            .await
            .code,
        5
    );
    let profile = bare.home.join("config/enrollctl/profile.json");
    assert!(!profile.exists(), "a refused token is not saved");
    refused
        .ok(
            &[
                "Connect-Enrolld",
                "-Server",
                &server.url(""),
                "-Token",
                &token,
            ],
            None,
        )
        .await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&profile).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600));
    }
    // ENROLLD_URL (here a closed port) overrides the profile, whose token does not go there;
    // ENROLLD_TOKEN overrides the profile's token.
    let elsewhere = bare.run(&["Get-User"]).await;
    assert_eq!(elsewhere.code, 1, "{}", elsewhere.stderr);
    let other_token = Ctl {
        token: Some("bad".into()),
        url: server.url(""),
        home: bare.home.clone(),
        ca_file: None,
    };
    assert_eq!(other_token.run(&["Get-User"]).await.code, 5);
    let mut command = Command::new(env!("CARGO_BIN_EXE_enrollctl"));
    command
        .args(["Get-User"])
        .env_remove("ENROLLD_URL")
        .env_remove("ENROLLD_TOKEN");
    command
        .env("XDG_CONFIG_HOME", bare.home.join("config"))
        .stdin(Stdio::null());
    let out = tokio::task::spawn_blocking(move || command.output())
        .await
        .ok()
        .and_then(Result::ok);
    assert_eq!(out.map(|o| o.status.code()), Some(Some(0)));
    refused.ok(&["Disconnect-Enrolld"], None).await;
    assert!(!profile.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_bash_zsh_fish_and_powershell() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    for (shell, mark) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef enrollctl"),
        ("fish", "complete -c enrollctl"),
        ("PowerShell", "Register-ArgumentCompleter"),
    ] {
        let ran = ctl.ok(&["completion", shell], None).await;
        assert!(ran.stdout.contains(mark), "{shell}");
        assert!(ran.stdout.contains("Add-RegistrationSession"), "{shell}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_flow_invitations_and_decisions_from_the_command_line() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    let flow = ctl
        .ok(
            &[
                "New-EnrollmentFlow",
                "-Name",
                "staff",
                "-Authorization",
                "invitation",
                "-EmailVerification",
                "link",
                "-ApprovalRequired",
            ],
            None,
        )
        .await
        .object();
    assert_eq!(flow["approval_required"], true);
    for email in ["ann@example.org", "ben@example.org"] {
        let args = ["New-Invitation", "-Flow", "staff", "-Email", email];
        let invited = ctl.ok(&args, None).await.object();
        assert_eq!(invited["status"], "pending_confirmation");
    }
    let pending = ctl
        .ok(&["Get-Petition", "-Status", "pending_confirmation"], None)
        .await;
    assert_eq!(pending.objects().len(), 2);
    let denied = ctl
        .ok(
            &["Deny-Petition", "-Comment", "not this term"],
            Some(&pending.stdout),
        )
        .await
        .objects();
    assert_eq!(denied.len(), 2);
    assert!(denied.iter().all(|p| p["status"] == "denied"));
    let again = ctl
        .run_with(&["Deny-Petition"], Some(&pending.stdout))
        .await;
    assert_ne!(again.code, 0, "a decided petition is refused");
    assert!(
        again.stderr.contains("petition_decided") || again.stderr.contains("denied"),
        "{}",
        again.stderr
    );
}
