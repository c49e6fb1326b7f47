//! Real directories for identity-source tests: OpenLDAP's `slapd` (Debian package `slapd`) started on
//! a loopback port with a temporary `cn=config` and the test people, and a small HTTP JSON directory.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::sinks::free_port;
use crate::tls::TestCa;

/// A person in the test directories.
pub struct Person {
    pub uid: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub emails: &'static [&'static str],
    pub employee_number: &'static str,
}

/// The people every test directory holds.
pub const PEOPLE: &[Person] = &[
    Person {
        uid: "amuller",
        given_name: "Anna",
        family_name: "Müller",
        emails: &["anna.muller@example.org", "a.muller@lab.example.org"],
        employee_number: "1001",
    },
    Person {
        uid: "bbuilder",
        given_name: "Bob",
        family_name: "Builder",
        emails: &["bob@example.org"],
        employee_number: "1002",
    },
    Person {
        uid: "cchen",
        given_name: "Chen",
        family_name: "Chen",
        emails: &["shared@example.org"],
        employee_number: "1003",
    },
    Person {
        uid: "dchen",
        given_name: "Dana",
        family_name: "Chen",
        emails: &["shared@example.org"],
        employee_number: "1004",
    },
];

/// The DN and password of the directory's read-only service account.
pub const READER_DN: &str = "cn=reader,dc=example,dc=org";
pub const READER_PASSWORD: &str = "reader-secret";
/// Where the people are.
pub const PEOPLE_DN: &str = "ou=people,dc=example,dc=org";

/// A running `slapd`, stopped when dropped.
pub struct Slapd {
    /// `ldap://127.0.0.1:PORT` (StartTLS offered when started with a CA).
    pub url: String,
    /// `ldaps://127.0.0.1:PORT`, when started with a CA.
    pub ldaps_url: Option<String>,
    child: Child,
    _dir: PathBuf,
}

impl Drop for Slapd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Slapd {
    /// Starts `slapd` with the test people; with `ca`, it also speaks TLS (StartTLS and `ldaps://`)
    /// with `ca`'s server certificate.
    pub fn start(ca: Option<&TestCa>) -> Self {
        let dir = crate::temp_dir().join("slapd");
        let (config, data) = (dir.join("config"), dir.join("data"));
        for d in [&config, &data] {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
        }
        let config_ldif = dir.join("config.ldif");
        std::fs::write(&config_ldif, config_ldif_text(&data, ca)).unwrap_or_else(|e| panic!("{e}"));
        let people_ldif = dir.join("people.ldif");
        std::fs::write(&people_ldif, people_ldif_text()).unwrap_or_else(|e| panic!("{e}"));
        slapadd(&["-n0", "-F", path(&config), "-l", path(&config_ldif)]);
        slapadd(&["-n1", "-F", path(&config), "-l", path(&people_ldif)]);
        let port = free_port();
        let url = format!("ldap://127.0.0.1:{port}");
        let ldaps = ca.map(|_| free_port());
        let listen = match ldaps {
            Some(tls) => format!("{url}/ ldaps://127.0.0.1:{tls}/"),
            None => format!("{url}/"),
        };
        let child = Command::new(sbin("slapd"))
            .args(["-h", &listen, "-F", path(&config), "-d", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("slapd (Debian package slapd): {e}"));
        wait_for_port(port);
        Self {
            url,
            ldaps_url: ldaps.map(|p| format!("ldaps://127.0.0.1:{p}")),
            child,
            _dir: dir,
        }
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// An OpenLDAP program: in /usr/sbin (Debian's place, often not on root's PATH here), else on PATH.
fn sbin(name: &str) -> String {
    let debian = format!("/usr/sbin/{name}");
    if Path::new(&debian).exists() {
        debian
    } else {
        name.to_owned()
    }
}

fn slapadd(args: &[&str]) {
    let out = Command::new(sbin("slapadd"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("slapadd (Debian package slapd): {e}"));
    assert!(
        out.status.success(),
        "slapadd {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("slapd did not listen on {port}");
}

fn config_ldif_text(data: &Path, ca: Option<&TestCa>) -> String {
    let tls = ca.map_or(String::new(), |ca| {
        format!(
            "olcTLSCACertificateFile: {}\nolcTLSCertificateFile: {}\nolcTLSCertificateKeyFile: {}\n",
            ca.ca_file.display(),
            ca.cert_file.display(),
            ca.key_file.display()
        )
    });
    let access = format!(
        "olcAccess: {{0}}to * by dn.exact=\"{READER_DN}\" read by anonymous auth by * none"
    );
    format!(
        "dn: cn=config\nobjectClass: olcGlobal\ncn: config\n{tls}\n\
         dn: cn=module{{0}},cn=config\nobjectClass: olcModuleList\ncn: module{{0}}\n\
         olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n\n\
         dn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n\n\
         include: file:///etc/ldap/schema/core.ldif\ninclude: file:///etc/ldap/schema/cosine.ldif\n\
         include: file:///etc/ldap/schema/nis.ldif\ninclude: file:///etc/ldap/schema/inetorgperson.ldif\n\n\
         dn: olcDatabase={{-1}}frontend,cn=config\nobjectClass: olcDatabaseConfig\n\
         objectClass: olcFrontendConfig\nolcDatabase: {{-1}}frontend\n{access}\n\n\
         dn: olcDatabase={{0}}config,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: {{0}}config\n\
         olcAccess: {{0}}to * by * none\n\n\
         dn: olcDatabase={{1}}mdb,cn=config\nobjectClass: olcDatabaseConfig\nobjectClass: olcMdbConfig\n\
         olcDatabase: {{1}}mdb\nolcDbDirectory: {}\nolcSuffix: dc=example,dc=org\n\
         olcRootDN: cn=admin,dc=example,dc=org\n{access}\n",
        data.display()
    )
}

fn people_ldif_text() -> String {
    let mut ldif = format!(
        "dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n\n\
         dn: {READER_DN}\nobjectClass: simpleSecurityObject\nobjectClass: organizationalRole\n\
         cn: reader\nuserPassword: {READER_PASSWORD}\n\n\
         dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people\n"
    );
    for p in PEOPLE {
        ldif.push_str(&format!(
            "\ndn: uid={},{PEOPLE_DN}\nobjectClass: inetOrgPerson\nuid: {}\ncn: {} {}\n\
             givenName: {}\nsn: {}\nemployeeNumber: {}\n",
            p.uid,
            p.uid,
            p.given_name,
            p.family_name,
            p.given_name,
            p.family_name,
            p.employee_number
        ));
        for email in p.emails {
            ldif.push_str(&format!("mail: {email}\n"));
        }
    }
    ldif
}

/// The test people as JSON records (`id` = uid), as an HR service might answer.
pub fn people_json() -> Vec<serde_json::Value> {
    PEOPLE
        .iter()
        .map(|p| {
            serde_json::json!({"id": p.uid, "name": {"given": p.given_name, "family": p.family_name},
                "emails": p.emails, "employee_number": p.employee_number})
        })
        .collect()
}

/// An HTTP JSON directory of [`PEOPLE`]: `GET /people?email=E` answers `{"items": [...]}`,
/// `GET /people/ID` one record (or 404), `GET /slow/...` never answers; all want the bearer token.
pub struct JsonDirectory {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The request paths it received.
    pub requests: Arc<Mutex<Vec<String>>>,
}

/// The token the JSON directory wants.
pub const JSON_DIRECTORY_TOKEN: &str = "hr-directory-token";

impl JsonDirectory {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let url = format!(
            "http://{}",
            listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let seen = seen.clone();
                tokio::spawn(async move {
                    let _ = answer(socket, seen).await;
                });
            }
        });
        Self { url, requests }
    }
}

async fn answer(
    socket: tokio::net::TcpStream,
    seen: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    let (mut line, mut authorized) = (String::new(), false);
    reader.read_line(&mut line).await?;
    let target = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).await?;
        if header.trim_end().is_empty() {
            break;
        }
        let bearer = format!("authorization: bearer {JSON_DIRECTORY_TOKEN}");
        authorized |= header.trim_end().eq_ignore_ascii_case(&bearer);
    }
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(target.clone());
    if target.starts_with("/slow") {
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    let (status, body) = if !authorized {
        ("401 Unauthorized", serde_json::json!({"error": "no token"}))
    } else {
        respond(&target)
    };
    let body = body.to_string();
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    write.write_all(head.as_bytes()).await?;
    write.write_all(body.as_bytes()).await
}

fn respond(target: &str) -> (&'static str, serde_json::Value) {
    let people = people_json();
    if let Some(query) = target.strip_prefix("/people?email=") {
        let email: String = form_urlencoded::parse(format!("e={query}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        let items: Vec<_> = people
            .into_iter()
            .filter(|p| {
                p["emails"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e == email.as_str())
            })
            .collect();
        return ("200 OK", serde_json::json!({"items": items}));
    }
    let id = target.strip_prefix("/people/").unwrap_or_default();
    match people.into_iter().find(|p| p["id"] == id) {
        Some(person) => ("200 OK", person),
        None => (
            "404 Not Found",
            serde_json::json!({"error": "no such person"}),
        ),
    }
}
