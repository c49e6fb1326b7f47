//! `enrollctl` through the real server, as a script author uses it: the binary run as a process, with
//! its output read back as objects.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use enrolld_tests::TestServer;
use serde_json::Value;

/// What one run of `enrollctl` came to.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// Standard output as JSON objects (one per line).
    fn objects(&self) -> Vec<Value> {
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .map(|v| v.unwrap_or_else(|e| panic!("{e}: {}", self.stdout)))
            .collect()
    }

    fn object(&self) -> Value {
        let objects = self.objects();
        assert_eq!(objects.len(), 1, "{}\n{}", self.stdout, self.stderr);
        objects.into_iter().next().unwrap_or_default()
    }
}

/// `enrollctl` pointed at a server, with a home of its own (for the profile).
struct Ctl {
    url: String,
    token: Option<String>,
    home: PathBuf,
    /// `SSL_CERT_FILE`: a private CA to trust besides the system's.
    ca_file: Option<PathBuf>,
}

impl Ctl {
    fn new(server: &TestServer) -> Self {
        let token = server.token("script", enrolld_tests::Scope::ALL);
        Ctl {
            url: server.url(""),
            token: Some(token),
            home: enrolld_tests::temp_dir(),
            ca_file: None,
        }
    }

    async fn run(&self, args: &[&str]) -> Ran {
        self.run_with(args, None).await
    }

    /// Runs it with `input` piped to standard input (else standard input is `/dev/null`).
    async fn run_with(&self, args: &[&str], input: Option<&str>) -> Ran {
        let mut command = Command::new(env!("CARGO_BIN_EXE_enrollctl"));
        command
            .args(args)
            .env_remove("ENROLLD_TOKEN")
            .env_remove("SSL_CERT_FILE")
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join("config"))
            .env("ENROLLD_URL", &self.url)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(token) = &self.token {
            command.env("ENROLLD_TOKEN", token);
        }
        if let Some(ca_file) = &self.ca_file {
            command.env("SSL_CERT_FILE", ca_file);
        }
        let input = input.map(str::to_owned);
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap_or_else(|e| panic!("enrollctl: {e}"));
            if let (Some(mut stdin), Some(input)) = (child.stdin.take(), input) {
                stdin.write_all(input.as_bytes()).unwrap_or_default();
            }
            let out = child
                .wait_with_output()
                .unwrap_or_else(|e| panic!("enrollctl: {e}"));
            Ran {
                code: out.status.code().unwrap_or(-1),
                stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
                stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs it and expects success.
    async fn ok(&self, args: &[&str], input: Option<&str>) -> Ran {
        let ran = self.run_with(args, input).await;
        assert_eq!(ran.code, 0, "{args:?}\n{}\n{}", ran.stdout, ran.stderr);
        ran
    }
}

#[path = "enrollctl/commands.rs"]
mod commands;
#[path = "enrollctl/pipelines.rs"]
mod pipelines;
#[path = "enrollctl/safety.rs"]
mod safety;
