//! Objects in and out: JSON lines and CSV piped from one command to the next bind by property name;
//! a provisioning run from a CSV of users; `-First` and `-All` follow cursors.

use super::*;

const PEOPLE: &str = "username,display_name,email,phone\n\
    ann,Ann A,ann@example.com,+15550000001\n\
    ben,\"Ben, the second\",ben@example.com,+15550000002\n\
    cat,Cat C,cat@example.com,+15550000003\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_piped_in_bind_to_parameters_by_property_name() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    let imported = ctl.ok(&["Import-User"], Some(PEOPLE)).await.object();
    assert_eq!(imported["created"], 3);
    ctl.ok(
        &["New-User", "-Username", "off", "-State", "Disabled"],
        None,
    )
    .await;
    let ben = ctl.ok(&["Get-User", "ben"], None).await.object();
    assert_eq!(ben["display_name"], "Ben, the second");
    // JSON lines out of one command, into the next: one dry run per active user.
    let active = ctl.ok(&["Get-User", "-State", "active"], None).await;
    assert_eq!(active.objects().len(), 3);
    let previews = ctl
        .ok(
            &["Add-RegistrationSession", "-Notify", "Email", "-WhatIf"],
            Some(&active.stdout),
        )
        .await
        .objects();
    let users: Vec<&Value> = previews.iter().map(|p| &p["user_id"]).collect();
    let active = active.objects();
    let ids: Vec<&Value> = active.iter().map(|u| &u["id"]).collect();
    assert_eq!(users, ids);
    assert!(
        previews
            .iter()
            .all(|p| p["notified"] == serde_json::json!(["email"]))
    );
    assert_eq!(
        server.count_rows("registration_sessions"),
        0,
        "-WhatIf stores nothing"
    );
    // CSV out, CSV in: sessions for two users, then the sessions piped to their removal.
    let csv = ctl
        .ok(
            &[
                "Get-User",
                "-Property",
                "username",
                "-Format",
                "csv",
                "-First",
                "2",
            ],
            None,
        )
        .await;
    assert_eq!(csv.stdout.lines().count(), 3, "{}", csv.stdout);
    let sessions = ctl
        .ok(
            &["Add-RegistrationSession", "-HoursToLive", "1"],
            Some(&csv.stdout),
        )
        .await;
    assert_eq!(sessions.objects().len(), 2);
    ctl.ok(
        &["Remove-RegistrationSession", "--yes"],
        Some(&sessions.stdout),
    )
    .await;
    let pending = ctl
        .ok(&["Get-RegistrationSession", "-Status", "pending"], None)
        .await;
    assert_eq!(pending.objects().len(), 0, "{}", pending.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioning_run_from_a_csv_of_users() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    ctl.ok(&["Import-User"], Some(PEOPLE)).await;
    let task = ctl
        .ok(
            &["New-ProvisioningTask", "-TokenType", "software-totp"],
            Some(PEOPLE),
        )
        .await
        .object();
    let statuses: Vec<&Value> = task["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses, ["provisioned"; 3]);
    let number = task["number"].to_string();
    let entries = ctl
        .ok(&["Get-ProvisioningTask", &number, "-All"], None)
        .await
        .objects();
    assert_eq!(entries.len(), 3);
    assert_eq!(server.smtp.wait_for(3).await.len(), 3, "one email per user");
    let report = enrolld_tests::temp_dir().join("report.csv");
    let out = report.to_string_lossy().into_owned();
    ctl.ok(&["Export-ProvisioningReport", "-OutFile", &out], None)
        .await;
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    assert_eq!(text.lines().count(), 4, "{text}");
    // One user leaves the task; the others stay.
    let removed = ctl
        .ok(
            &["Remove-ProvisioningTaskUser", "-Number", &number, "--yes"],
            Some("username\ncat\n"),
        )
        .await
        .object();
    assert_eq!(removed["changed"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_and_all_follow_cursors() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    let many: String = std::iter::once("username".to_owned())
        .chain((0..1203).map(|i| format!("user{i:04}")))
        .collect::<Vec<_>>()
        .join("\n");
    ctl.ok(&["Import-User"], Some(&many)).await;
    assert_eq!(
        ctl.ok(&["Get-User", "-First", "700"], None)
            .await
            .objects()
            .len(),
        700
    );
    let all = ctl
        .ok(&["Get-User", "-All", "-Property", "username"], None)
        .await
        .objects();
    assert_eq!(all.len(), 1203);
    let names: std::collections::HashSet<&str> =
        all.iter().filter_map(|u| u["username"].as_str()).collect();
    assert_eq!(names.len(), 1203, "no page twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_settings_objects_come_in_with_piped_json_lines_and_csv() {
    let server = TestServer::start().await;
    let ctl = Ctl::new(&server);
    server.source_file(
        "a.csv",
        "id,given_name,family_name,email\n1,Ann,Lee,ann@example.org\n",
    );
    let lines = "{\"name\": \"pilot-a\", \"kind\": \"file\", \"file\": {\"path\": \"a.csv\"}}\n\
        {\"name\": \"pilot-b\", \"kind\": \"file\", \"file\": {\"path\": \"a.csv\"}, \"timeout_seconds\": 3}\n";
    let created = ctl.ok(&["New-IdentitySource"], Some(lines)).await.objects();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["file"]["path"], "a.csv");
    assert_eq!(created[1]["timeout_seconds"], 3);
    // A CSV cell holding JSON gives an object too.
    let csv = "name,kind,file\npilot-c,file,\"{\"\"path\"\": \"\"a.csv\"\"}\"\n";
    let from_csv = ctl.ok(&["New-IdentitySource"], Some(csv)).await.object();
    assert_eq!(from_csv["file"]["path"], "a.csv");
    // The sources piped on to a test each: the name binds to -Source.
    let sources = ctl.ok(&["Get-IdentitySource"], None).await;
    let tested = ctl
        .ok(
            &["Test-IdentitySource", "-Email", "ann@example.org"],
            Some(&sources.stdout),
        )
        .await
        .objects();
    assert_eq!(tested.len(), 3);
    assert!(
        tested
            .iter()
            .all(|t| t["records"][0]["family_name"] == "Lee"),
        "{tested:?}"
    );
}
