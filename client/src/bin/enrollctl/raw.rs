//! Operations that answer something other than JSON (pages, an image, CSV, metrics text): progenitor's
//! command code leaves these out (`todo!()`), so they are sent here through the same SDK builders and
//! their bytes written to `-OutFile` or standard output.

use std::io::Write;

use clap::ArgMatches;
use enrolld_client::{ByteStream, Client, Error, ResponseValue, types};
use futures_util::StreamExt;

use crate::call::{Failure, Outcome, failure};

type Sent = Result<ResponseValue<ByteStream>, Error<types::Problem>>;

pub async fn run(client: &Client, operation_id: &str, matches: &ArgMatches) -> Outcome {
    let text = |id: &str| matches.get_one::<String>(id).cloned().unwrap_or_default();
    let number = |id: &str| matches.get_one::<i32>(id).copied();
    // The two QR builders are different types with the same setters.
    macro_rules! qr {
        ($builder:expr) => {{
            let mut request = $builder.id(text("id"));
            if let Some(size) = number("size") {
                request = request.size(size);
            }
            if let Some(margin) = number("margin") {
                request = request.margin(margin);
            }
            request.send().await
        }};
    }
    let sent: Sent = match operation_id {
        "get_enroll_page" => client.get_enroll_page().send().await,
        "get_self_enroll_page" => client.get_self_enroll_page().send().await,
        "get_join_page" => client.get_join_page().send().await,
        "get_self_signup_page" => {
            client
                .get_self_signup_page()
                .flow(text("flow"))
                .send()
                .await
        }
        "get_metrics" => client.get_metrics().send().await,
        "get_provisioning_report" => client.get_provisioning_report().send().await,
        "get_registration_session_qr_png" => qr!(client.get_registration_session_qr_png()),
        "get_registration_session_qr_svg" => qr!(client.get_registration_session_qr_svg()),
        other => return Outcome::Failed(Failure::of(format!("{other} is not handled"))),
    };
    match sent {
        Ok(answer) => write_out(answer, matches.get_one::<String>("out-file")).await,
        Err(e) => Outcome::Failed(failure(&e)),
    }
}

async fn write_out(answer: ResponseValue<ByteStream>, file: Option<&String>) -> Outcome {
    let mut out: Box<dyn Write> = match file {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(f),
            Err(e) => return Outcome::Failed(Failure::of(format!("{path}: {e}"))),
        },
        None => Box::new(std::io::stdout().lock()),
    };
    let mut stream = answer.into_inner().into_inner();
    while let Some(chunk) = stream.next().await {
        let written = match chunk {
            Ok(bytes) => out.write_all(&bytes),
            Err(e) => {
                return Outcome::Failed(Failure {
                    transport: true,
                    ..Failure::of(e.to_string())
                });
            }
        };
        if let Err(e) = written {
            return Outcome::Failed(Failure::of(format!("writing the answer: {e}")));
        }
    }
    match out.flush() {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Failed(Failure::of(format!("writing the answer: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_that_answers_other_than_json_is_handled_here() {
        let raw: Vec<String> = crate::spec::operations()
            .into_iter()
            .filter(|o| o.raw)
            .map(|o| o.id)
            .collect();
        // The arms of `run`.
        let mut handled = vec![
            "get_enroll_page",
            "get_self_enroll_page",
            "get_join_page",
            "get_self_signup_page",
            "get_metrics",
            "get_provisioning_report",
            "get_registration_session_qr_png",
            "get_registration_session_qr_svg",
        ];
        let mut raw: Vec<&str> = raw.iter().map(String::as_str).collect();
        handled.sort_unstable();
        raw.sort_unstable();
        assert_eq!(handled, raw);
    }
}
