//! Sending what the outbox holds: email over SMTP (lettre) and SMS through an HTTP gateway.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, read_secret};
use crate::model::messages::{Content, text_to_html};

/// Why a message was not delivered.
#[derive(Debug, Clone)]
pub struct Undelivered {
    /// What went wrong (no addresses or content in it).
    pub reason: String,
    /// The server itself could not be reached or is failing (refused connection, timeout, TLS, a
    /// 5xx or 429 from the SMS gateway), rather than this one message being refused: the channel
    /// waits before trying its other messages.
    pub server_unreachable: bool,
}

impl From<String> for Undelivered {
    fn from(reason: String) -> Self {
        Self::new(reason, false)
    }
}

impl From<&str> for Undelivered {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

impl Undelivered {
    fn new(reason: String, server_unreachable: bool) -> Self {
        Self {
            reason,
            server_unreachable,
        }
    }
}

/// The configured ways to send.
pub struct Deliverer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    mail_from: Option<Mailbox>,
    sms: Option<SmsGateway>,
    outbox_dir: Option<std::path::PathBuf>,
}

struct SmsGateway {
    url: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Deliverer {
    /// Builds the transports from the configuration.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let smtp = match &config.smtp_url {
            None => None,
            Some(url) => {
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("smtp_url: {e}"))?
                    .timeout(Some(Duration::from_secs(20)));
                if let Some(password) =
                    read_secret("smtp_password", &None, &config.smtp_password_file)?
                {
                    let user = url
                        .split_once("://")
                        .and_then(|(_, rest)| rest.split_once('@'))
                        .map(|(userinfo, _)| {
                            userinfo.split(':').next().unwrap_or_default().to_owned()
                        })
                        .unwrap_or_default();
                    builder = builder.credentials(Credentials::new(user, password));
                }
                Some(builder.build())
            }
        };
        let mail_from = config
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| format!("mail_from: {:?} is not an address: {e}", config.mail_from))?;
        let sms = match &config.sms_gateway_url {
            None => None,
            Some(url) => Some(SmsGateway {
                url: url.clone(),
                token: read_secret(
                    "sms_gateway_token",
                    &config.sms_gateway_token,
                    &config.sms_gateway_token_file,
                )?,
                http: crate::outbound::http_builder()
                    .timeout(Duration::from_secs(20))
                    .build()
                    .map_err(|e| format!("sms_gateway_url: {e}"))?,
            }),
        };
        Ok(Self {
            smtp,
            mail_from: Some(mail_from),
            sms,
            outbox_dir: config.outbox_dir.clone(),
        })
    }

    /// Sends one message; the error says why it was not accepted (no addresses or content in it).
    pub async fn deliver(
        &self,
        channel: &str,
        recipient: &str,
        content: &Content,
    ) -> Result<(), Undelivered> {
        match channel {
            "email" => self.send_email(recipient, content).await,
            "sms" => self.send_sms(recipient, content).await,
            other => Err(format!("unknown channel {other}").into()),
        }
    }

    async fn send_email(&self, recipient: &str, content: &Content) -> Result<(), Undelivered> {
        let from = self
            .mail_from
            .clone()
            .ok_or("no sender address is configured")?;
        let to = recipient
            .parse::<Mailbox>()
            .map_err(|_| "the recipient is not an email address".to_owned())?;
        let message = Message::builder()
            .from(from)
            .to(to)
            .subject(content.subject.clone().unwrap_or_default())
            .multipart(email_body(content)?)
            .map_err(|e| format!("cannot build the email: {e}"))?;
        match (&self.smtp, &self.outbox_dir) {
            (Some(transport), _) => transport.send(message).await.map(|_| ()).map_err(|e| {
                // No SMTP reply at all: the server is down or unreachable, not refusing this message.
                let answered = e.is_response() || e.is_transient() || e.is_permanent();
                Undelivered::new(format!("SMTP: {e}"), !(answered || e.is_client()))
            }),
            (None, Some(dir)) => Ok(write_to_dir(dir, "eml", &message.formatted())?),
            (None, None) => Err("no SMTP server is configured".into()),
        }
    }

    async fn send_sms(&self, recipient: &str, content: &Content) -> Result<(), Undelivered> {
        let Some(gateway) = &self.sms else {
            let Some(dir) = &self.outbox_dir else {
                return Err("no SMS gateway is configured".into());
            };
            let json = serde_json::json!({"to": recipient, "body": content.text});
            return Ok(write_to_dir(dir, "sms.json", json.to_string().as_bytes())?);
        };
        let mut request = gateway
            .http
            .post(&gateway.url)
            .json(&serde_json::json!({"to": recipient, "body": content.text}));
        if let Some(token) = &gateway.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|e| {
            let unreachable = e.is_connect() || e.is_timeout();
            Undelivered::new(format!("SMS gateway: {}", e.without_url()), unreachable)
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let failing = status.is_server_error() || status.as_u16() == 429;
        Err(Undelivered::new(
            format!("SMS gateway answered {status}"),
            failing,
        ))
    }
}

/// Writes a message into the development outbox directory.
fn write_to_dir(dir: &std::path::Path, extension: &str, bytes: &[u8]) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("outbox_dir: cannot create {}: {e}", dir.display()))?;
    let name = format!("{}.{extension}", uuid::Uuid::now_v7());
    std::fs::write(dir.join(&name), bytes)
        .map_err(|e| format!("outbox_dir: cannot write {name}: {e}"))
}

/// text + HTML alternatives; with inline images the HTML part is multipart/related.
fn email_body(content: &Content) -> Result<MultiPart, String> {
    let html = content
        .html
        .clone()
        .unwrap_or_else(|| text_to_html(&content.text));
    if content.inline_images.is_empty() {
        return Ok(MultiPart::alternative_plain_html(
            content.text.clone(),
            html,
        ));
    }
    let mut related = MultiPart::related().singlepart(SinglePart::html(html));
    for image in &content.inline_images {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&image.data_base64)
            .map_err(|_| "an inline image is not base64".to_owned())?;
        let content_type = ContentType::parse(&image.content_type)
            .map_err(|_| "an inline image has a bad content type".to_owned())?;
        related =
            related.singlepart(Attachment::new_inline(image.cid.clone()).body(bytes, content_type));
    }
    Ok(MultiPart::alternative()
        .singlepart(SinglePart::plain(content.text.clone()))
        .multipart(related))
}
