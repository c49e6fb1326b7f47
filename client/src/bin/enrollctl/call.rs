//! One call through the generated SDK: progenitor's `Cli::execute` with an output hook that keeps the
//! answer (or the problem) for the caller, and retries of what is safe to retry.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use enrolld_client::cli::{Cli, CliCommand, CliConfig};
use enrolld_client::{Error, ResponseValue};
use serde_json::Value;

/// What one call came to.
#[derive(Debug)]
pub enum Outcome {
    /// A JSON answer.
    Answer {
        replayed: bool,
        value: Value,
    },
    /// A success with no body (204), or a raw answer already written out.
    Done,
    Failed(Failure),
    /// The user said no at `-Confirm`.
    Declined,
}

#[derive(Debug, Default)]
pub struct Failure {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// The `application/problem+json` body, when there is one.
    pub problem: Option<Value>,
    pub message: String,
    /// The connection failed or dropped: whether the server acted is unknown.
    pub transport: bool,
    /// The connection was never made: nothing reached the server.
    pub connect: bool,
    /// The command line (or a piped row) was wrong: nothing was sent.
    pub usage: bool,
}

impl Failure {
    pub fn of(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            ..Failure::default()
        }
    }

    /// A usage problem (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            usage: true,
            ..Failure::of(message)
        }
    }
}

/// The `CliConfig` of progenitor's generated code: keeps the outcome instead of printing it.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Option<Outcome>>>);

impl Capture {
    fn put(&self, outcome: Outcome) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(outcome);
        }
    }

    fn take(&self) -> Option<Outcome> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

impl CliConfig for Capture {
    fn success_item<T>(&self, value: &ResponseValue<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
        let replayed = value
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true");
        let body = serde_json::to_value(value.as_ref()).unwrap_or(Value::Null);
        self.put(Outcome::Answer {
            replayed,
            value: body,
        });
    }

    fn success_no_item(&self, _value: &ResponseValue<()>) {
        self.put(Outcome::Done);
    }

    fn error<T>(&self, error: &Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
        self.put(Outcome::Failed(failure(error)));
    }

    fn list_start<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_item<T>(&self, _value: &T)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_end_success<T>(&self)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }

    fn list_end_error<T>(&self, _value: &Error<T>)
    where
        T: schemars::JsonSchema + serde::Serialize + std::fmt::Debug,
    {
    }
}

/// What went wrong, from the SDK's error.
pub fn failure<T: serde::Serialize + std::fmt::Debug>(error: &Error<T>) -> Failure {
    match error {
        Error::ErrorResponse(answer) => Failure {
            status: Some(answer.status().as_u16()),
            problem: serde_json::to_value(answer.as_ref()).ok(),
            message: format!("the server answered {}", answer.status()),
            ..Failure::default()
        },
        Error::CommunicationError(e) | Error::ResponseBodyError(e) if tls_refused(e) => {
            Failure::of(format!(
                "{}\n(the server's certificate was not accepted: the system's trust store is used; \
                 SSL_CERT_FILE=<ca.pem> adds a private CA)",
                chain(e)
            ))
        }
        Error::CommunicationError(e) | Error::ResponseBodyError(e) => Failure {
            status: e.status().map(|s| s.as_u16()),
            message: chain(e),
            transport: true,
            connect: e.is_connect(),
            ..Failure::default()
        },
        Error::UnexpectedResponse(r) => Failure {
            status: Some(r.status().as_u16()),
            message: format!("unexpected answer {}", r.status()),
            ..Failure::default()
        },
        other => Failure::of(other.to_string()),
    }
}

/// An error with its causes, as `a: b: c`.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// Whether TLS refused the server (a certificate not trusted, a name that does not match): trying
/// again will not help. rustls's error arrives inside `io::Error`s, whose `source` skips it.
fn tls_refused(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    let wrapped = error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .is_some_and(|inner| tls_refused(inner));
    wrapped || error.source().is_some_and(tls_refused)
}

/// How a call may be retried: a read or a keyed create always (the key makes the retry answer the
/// first answer), anything else only when nothing reached the server.
#[derive(Clone, Copy)]
pub struct Retry {
    pub safe: bool,
    pub attempts: u32,
}

impl Retry {
    fn again(&self, failure: &Failure, attempt: u32) -> bool {
        if attempt >= self.attempts {
            return false;
        }
        let code = failure
            .problem
            .as_ref()
            .and_then(|p| p["code"].as_str())
            .unwrap_or_default();
        match failure.status {
            _ if failure.connect => true,
            None => failure.transport && self.safe,
            Some(409) => code == "idempotency_in_progress",
            Some(429 | 502 | 503 | 504) => self.safe,
            Some(_) => false,
        }
    }
}

/// Runs the operation with progenitor's generated code, retrying with the same arguments (and so the
/// same `Idempotency-Key`) while `retry` allows.
pub async fn send(
    cli: &Cli<Capture>,
    capture: &Capture,
    command: CliCommand,
    matches: &clap::ArgMatches,
    retry: Retry,
) -> Outcome {
    let mut attempt = 1;
    loop {
        let executed = cli.execute(command, matches).await;
        let outcome = match (capture.take(), executed) {
            (Some(outcome), _) => outcome,
            (None, Err(e)) => Outcome::Failed(Failure::of(format!("{e:#}"))),
            (None, Ok(())) => Outcome::Failed(Failure::of("no answer")),
        };
        match outcome {
            Outcome::Failed(failure) if retry.again(&failure, attempt) => {
                let wait = Duration::from_millis(250 << attempt.min(4));
                eprintln!(
                    "enrollctl: {} (attempt {attempt} of {}); retrying in {} ms",
                    failure.message,
                    retry.attempts,
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}
