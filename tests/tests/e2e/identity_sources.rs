//! Identity sources against real directories: OpenLDAP `slapd` (plain on loopback, StartTLS and
//! `ldaps://` with a private CA), an HTTP JSON directory, and CSV / JSON-lines files; through the
//! generated client. A source that cannot answer gives a problem naming the part that failed.

use enrolld_tests::directories::{
    JSON_DIRECTORY_TOKEN, JsonDirectory, PEOPLE_DN, READER_DN, READER_PASSWORD, Slapd,
};
use enrolld_tests::tls::TestCa;
use enrolld_tests::{Scope, TestServer, problem_of, types};
use serde_json::{Value, json};

/// Creates a source from JSON, through the SDK.
async fn create(server: &TestServer, body: Value) -> types::IdentitySource {
    let body: types::CreateIdentitySource = serde_json::from_value(body).unwrap();
    server
        .admin()
        .create_identity_source()
        .body(body)
        .send()
        .await
        .unwrap()
        .into_inner()
}

/// Tests a source by email, through the SDK.
async fn by_email(
    server: &TestServer,
    source: &str,
    email: &str,
) -> Result<types::SourceTestResult, enrolld_client::Error<types::Problem>> {
    server
        .admin()
        .test_identity_source()
        .source(source)
        .body(types::TestIdentitySource::builder().email(email.to_owned()))
        .send()
        .await
        .map(|r| r.into_inner())
}

/// A problem's status and code.
fn answer(problem: &types::Problem) -> (i32, String) {
    (problem.status, problem.code.to_string())
}

fn ldap_source(name: &str, settings: Value) -> Value {
    json!({"name": name, "kind": "ldap", "ldap": settings, "timeout_seconds": 5,
        "mapping": {"attributes": {"employee_number": "employeeNumber"}}})
}

fn reader(url: &str) -> Value {
    json!({"url": url, "plaintext": true, "bind_dn": READER_DN,
        "bind_password": {"file": "ldap.password"}, "base_dn": PEOPLE_DN})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ldap_source_finds_people_by_email_and_fetches_them_by_key() {
    let server = TestServer::start().await;
    let slapd = Slapd::start(None);
    server.source_file("ldap.password", &format!("{READER_PASSWORD}\n"));
    let source = create(&server, ldap_source("hr-ldap", reader(&slapd.url))).await;
    assert_eq!(source.mapping.key.as_deref(), Some("entryUUID"));

    let found = by_email(&server, "hr-ldap", "ANNA.MULLER@example.org")
        .await
        .unwrap();
    assert_eq!(found.records.len(), 1, "{found:?}");
    let anna = &found.records[0];
    assert_eq!(anna.given_name.as_deref(), Some("Anna"));
    assert_eq!(anna.family_name.as_deref(), Some("Müller"));
    assert!(anna.emails.contains(&"a.muller@lab.example.org".to_owned()));
    assert_eq!(anna.attributes["employee_number"], ["1001"]);

    let shared = by_email(&server, &source.id, "shared@example.org")
        .await
        .unwrap();
    let mut given: Vec<_> = shared
        .records
        .iter()
        .filter_map(|r| r.given_name.clone())
        .collect();
    given.sort();
    assert_eq!(given, ["Chen", "Dana"]);
    assert!(
        by_email(&server, "hr-ldap", "nobody@example.org")
            .await
            .unwrap()
            .records
            .is_empty()
    );

    let fetched = server
        .admin()
        .test_identity_source()
        .source("hr-ldap")
        .body(types::TestIdentitySource::builder().key(anna.source_key.clone()))
        .send()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(json!(fetched.records), json!(found.records));
    // A filter metacharacter in the email is escaped, not interpreted.
    let problem = problem_of(by_email(&server, "hr-ldap", "*)(uid=*").await);
    assert_eq!(problem.status, 422, "{problem:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ldap_over_starttls_and_ldaps_trusts_the_configured_ca_only() {
    let server = TestServer::start().await;
    let ca = TestCa::new(&enrolld_tests::temp_dir());
    let slapd = Slapd::start(Some(&ca));
    server.source_file("ldap.password", READER_PASSWORD);
    server.source_file("ca.pem", &std::fs::read_to_string(&ca.ca_file).unwrap());
    let ldaps = slapd.ldaps_url.clone().unwrap();
    let tls = |url: &str, starttls: bool| {
        json!({"url": url, "starttls": starttls, "ca_file": "ca.pem", "bind_dn": READER_DN,
            "bind_password": {"file": "ldap.password"}, "base_dn": PEOPLE_DN})
    };
    create(&server, ldap_source("starttls", tls(&slapd.url, true))).await;
    create(&server, ldap_source("ldaps", tls(&ldaps, false))).await;
    for name in ["starttls", "ldaps"] {
        let found = by_email(&server, name, "bob@example.org").await.unwrap();
        assert_eq!(
            found.records[0].family_name.as_deref(),
            Some("Builder"),
            "{name}"
        );
    }
    let mut untrusted = tls(&ldaps, false);
    untrusted.as_object_mut().unwrap().remove("ca_file");
    create(&server, ldap_source("untrusted", untrusted)).await;
    let problem = problem_of(by_email(&server, "untrusted", "bob@example.org").await);
    assert_eq!(
        answer(&problem),
        (502, "source_unreachable".into()),
        "{problem:?}"
    );
    assert!(problem.detail.contains("certificate"), "{}", problem.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_an_unreachable_directory_and_a_silent_one_are_clear_problems() {
    let server = TestServer::start().await;
    let slapd = Slapd::start(None);
    server.source_file("ldap.password", READER_PASSWORD);
    server.source_file("wrong.password", "not-the-password");
    let mut wrong = reader(&slapd.url);
    wrong["bind_password"] = json!({"file": "wrong.password"});
    create(&server, ldap_source("wrong", wrong)).await;
    let problem = problem_of(by_email(&server, "wrong", "bob@example.org").await);
    assert_eq!(answer(&problem), (502, "source_credentials_refused".into()));

    let closed = format!("ldap://127.0.0.1:{}", enrolld_tests::sinks::free_port());
    create(&server, ldap_source("closed", reader(&closed))).await;
    let problem = problem_of(by_email(&server, "closed", "bob@example.org").await);
    assert_eq!(answer(&problem), (502, "source_unreachable".into()));

    // A listener that accepts and never answers: the source's timeout ends the request.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("ldap://{}", silent.local_addr().unwrap());
    let mut body = ldap_source("silent", reader(&silent_url));
    body["timeout_seconds"] = json!(1);
    create(&server, body).await;
    let started = std::time::Instant::now();
    let problem = problem_of(by_email(&server, "silent", "bob@example.org").await);
    assert_eq!(answer(&problem), (504, "source_timeout".into()));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));

    // A secret file that is not there.
    let mut missing = reader(&slapd.url);
    missing["bind_password"] = json!({"file": "nowhere.password"});
    create(&server, ldap_source("missing", missing)).await;
    let problem = problem_of(by_email(&server, "missing", "bob@example.org").await);
    assert_eq!(answer(&problem), (422, "source_misconfigured".into()));
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_json_source_maps_by_pointer_and_sends_its_token() {
    let server = TestServer::start().await;
    let directory = JsonDirectory::start().await;
    server.source_file("hr.token", JSON_DIRECTORY_TOKEN);
    let http = |token: &str, base: &str| {
        json!({"name": format!("hr-{token}"), "kind": "http_json", "timeout_seconds": 2,
            "http_json": {"search_url": format!("{base}/people?email={{email}}"),
                "record_url": format!("{base}/people/{{key}}"), "records_pointer": "/items",
                "token": {"file": token}, "plaintext": true},
            "mapping": {"key": "/id", "given_name": "/name/given", "family_name": "/name/family",
                "emails": "/emails", "attributes": {"employee_number": "/employee_number"}}})
    };
    create(&server, http("hr.token", &directory.url)).await;
    let found = by_email(&server, "hr-hr.token", "anna.muller@example.org")
        .await
        .unwrap();
    assert_eq!(found.records.len(), 1);
    assert_eq!(found.records[0].source_key, "amuller");
    assert_eq!(found.records[0].family_name.as_deref(), Some("Müller"));
    assert_eq!(found.records[0].attributes["employee_number"], ["1001"]);
    let requests = directory.requests.lock().unwrap().clone();
    assert!(
        requests.contains(&"/people?email=anna.muller%40example.org".to_owned()),
        "{requests:?}"
    );

    let admin = server.admin();
    let key = |k: &str| types::TestIdentitySource::builder().key(k.to_owned());
    let one = admin
        .test_identity_source()
        .source("hr-hr.token")
        .body(key("bbuilder"))
        .send()
        .await;
    assert_eq!(one.unwrap().records[0].given_name.as_deref(), Some("Bob"));
    let none = admin
        .test_identity_source()
        .source("hr-hr.token")
        .body(key("zed"))
        .send()
        .await;
    assert!(none.unwrap().records.is_empty());

    server.source_file("bad.token", "wrong");
    create(&server, http("bad.token", &directory.url)).await;
    let problem = problem_of(by_email(&server, "hr-bad.token", "bob@example.org").await);
    assert_eq!(answer(&problem), (502, "source_credentials_refused".into()));

    let slow = format!("{}/slow", directory.url);
    let mut body = http("hr.token", &slow);
    body["name"] = json!("slow");
    create(&server, body).await;
    let problem = problem_of(by_email(&server, "slow", "bob@example.org").await);
    assert_eq!(answer(&problem), (504, "source_timeout".into()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_source_is_read_again_when_it_changes() {
    let server = TestServer::start().await;
    server.source_file(
        "pilot.csv",
        "id,given_name,family_name,email\n7,Ann,Lee,ann@example.org\n",
    );
    create(
        &server,
        json!({"name": "pilot", "kind": "file", "file": {"path": "pilot.csv"}}),
    )
    .await;
    let found = by_email(&server, "pilot", "ann@example.org").await.unwrap();
    assert_eq!(found.records[0].family_name.as_deref(), Some("Lee"));

    server.source_file(
        "pilot.csv",
        "id,given_name,family_name,email\n7,Ann,Lee-Park,ann@example.org;ann.lp@example.org\n",
    );
    let found = by_email(&server, "pilot", "ann.lp@example.org")
        .await
        .unwrap();
    assert_eq!(found.records[0].family_name.as_deref(), Some("Lee-Park"));

    let lines = "{\"id\": \"x1\", \"given_name\": \"Zoë\", \"family_name\": \"Ng\", \"email\": \"z@example.org\"}\n";
    server.source_file("pilot.jsonl", lines);
    create(
        &server,
        json!({"name": "pilot-lines", "kind": "file", "file": {"path": "pilot.jsonl"}}),
    )
    .await;
    let found = by_email(&server, "pilot-lines", "z@example.org")
        .await
        .unwrap();
    assert_eq!(found.records[0].given_name.as_deref(), Some("Zoë"));

    server.source_file("broken.jsonl", "{\"id\": 1}\nnot json\n");
    create(
        &server,
        json!({"name": "broken", "kind": "file", "file": {"path": "broken.jsonl"}}),
    )
    .await;
    let problem = problem_of(by_email(&server, "broken", "z@example.org").await);
    assert_eq!(answer(&problem), (502, "source_failed".into()));
    assert!(problem.detail.contains("line 2"), "{}", problem.detail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_checked_when_saved_and_files_stay_inside_the_sources_directory() {
    let server = TestServer::start().await;
    let attempt = |body: Value| {
        let server = &server;
        async move {
            let answer = server
                .http()
                .post(server.url("/v1/identity-sources"))
                .bearer_auth(server.token("admin", Scope::ALL))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), 422, "{body}");
            let problem: Value = answer.json().await.unwrap();
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let clear = json!({"url": "ldap://ldap.example.org", "base_dn": "dc=example,dc=org"});
    assert_eq!(
        attempt(json!({"name": "a", "kind": "ldap", "ldap": clear})).await,
        ["ldap.url"]
    );
    let outside = json!({"name": "b", "kind": "file", "file": {"path": "../enrolld.db"}});
    assert_eq!(attempt(outside).await, ["file.path"]);
    let secret = json!({"url": "ldaps://x", "base_dn": "dc=x", "bind_dn": "cn=x",
        "bind_password": {"env": "ENROLLD_SECRET_KEY"}});
    assert_eq!(
        attempt(json!({"name": "c", "kind": "ldap", "ldap": secret})).await,
        ["ldap.bind_password"]
    );
    let mismatched =
        json!({"name": "Bad Name", "kind": "file", "ldap": {"url": "ldaps://x", "base_dn": "x"}});
    let fields = attempt(mismatched).await;
    assert_eq!(fields, ["name", "ldap", "file"], "{fields:?}");
    let filter = json!({"url": "ldaps://x", "base_dn": "x", "filter": "(mail=x"});
    assert_eq!(
        attempt(json!({"name": "d", "kind": "ldap", "ldap": filter})).await,
        ["ldap.filter"]
    );
    // Settings objects are objects, not an array of their fields.
    let array =
        json!({"name": "e", "kind": "file", "file": {"path": "a.csv"}, "mapping": [null, null]});
    assert_eq!(attempt(array).await, ["mapping"]);
    let list = server.admin().list_identity_sources().send().await.unwrap();
    assert!(list.items.is_empty());
}
