//! Real peers for delivery: an SMTP server and an HTTP SMS gateway, listening on loopback.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One email as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    /// `MAIL FROM`.
    pub from: String,
    /// `RCPT TO`s.
    pub to: Vec<String>,
    /// The message as sent (after DATA, dot-unstuffed).
    pub raw: Vec<u8>,
}

impl ReceivedEmail {
    /// The parsed message.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a parsable email")
    }

    /// Subject line.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The text/plain body.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The text/html body.
    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }
}

/// A minimal SMTP server that accepts everything and keeps what it receives.
#[derive(Clone, Default)]
pub struct SmtpSink {
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    /// Messages whose data has arrived, counted before the stall (a slow server's view).
    started: Arc<std::sync::atomic::AtomicUsize>,
    stall: Duration,
}

impl SmtpSink {
    /// Starts listening on `addr` (port 0 for any).
    pub async fn start(addr: &str) -> (Self, SocketAddr) {
        Self::start_stalling(addr, Duration::ZERO).await
    }

    /// Like [`Self::start`], but each message is acknowledged only `stall` after its data arrived.
    pub async fn start_stalling(addr: &str, stall: Duration) -> (Self, SocketAddr) {
        let listener = TcpListener::bind(addr).await.unwrap();
        let local = listener.local_addr().unwrap();
        let sink = Self {
            stall,
            ..Self::default()
        };
        let handle = sink.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let sink = handle.clone();
                tokio::spawn(async move {
                    let _ = session(socket, sink).await;
                });
            }
        });
        (sink, local)
    }

    /// How many messages have arrived, including those still waiting out the stall.
    pub fn started(&self) -> usize {
        self.started.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<ReceivedEmail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) until at least `count` emails have arrived, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedEmail> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {count} emails, got {}", self.received().len());
    }

    /// Waits for the next email to `recipient` after the first `skip` ones to it.
    pub async fn nth_to(&self, recipient: &str, index: usize) -> ReceivedEmail {
        for _ in 0..200 {
            let matching: Vec<ReceivedEmail> = self
                .received()
                .into_iter()
                .filter(|e| e.to.iter().any(|t| t == recipient))
                .collect();
            if let Some(email) = matching.get(index) {
                return email.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no email #{index} to {recipient}; got {:?}",
            self.received().iter().map(|e| &e.to).collect::<Vec<_>>()
        );
    }
}

async fn session(socket: tokio::net::TcpStream, sink: SmtpSink) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(
                    b"250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800\r\n",
                )
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command[10..]);
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command[8..]));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut raw = Vec::new();
            loop {
                let mut data_line = Vec::new();
                if reader.read_until(b'\n', &mut data_line).await? == 0 {
                    return Ok(());
                }
                if data_line == b".\r\n" || data_line == b".\n" {
                    break;
                }
                let unstuffed = if data_line.starts_with(b"..") {
                    &data_line[1..]
                } else {
                    &data_line[..]
                };
                raw.extend_from_slice(unstuffed);
            }
            sink.started
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(sink.stall).await;
            sink.received.lock().unwrap().push(ReceivedEmail {
                from: from.clone(),
                to: to.clone(),
                raw,
            });
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 Command not implemented\r\n").await?;
        }
    }
}

fn address(text: &str) -> String {
    let text = text.trim();
    let text = text.split_whitespace().next().unwrap_or_default();
    text.trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// One SMS as the gateway received it.
#[derive(Debug, Clone)]
pub struct ReceivedSms {
    /// `to`.
    pub to: String,
    /// `body`.
    pub body: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
}

/// An HTTP endpoint taking `{"to", "body"}` JSON POSTs, like an SMS gateway.
#[derive(Clone, Default)]
pub struct SmsSink {
    received: Arc<Mutex<Vec<ReceivedSms>>>,
}

impl SmsSink {
    /// Starts listening on an ephemeral loopback port; returns the sink and its URL.
    pub async fn start() -> (Self, String) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        let sink = Self::default();
        let received = sink.received.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let received = received.clone();
                tokio::spawn(async move {
                    let _ = http_exchange(socket, received).await;
                });
            }
        });
        (sink, url)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<ReceivedSms> {
        self.received.lock().unwrap().clone()
    }

    /// Waits for SMS number `index` (from 0) to `to`.
    pub async fn nth_to(&self, to: &str, index: usize) -> ReceivedSms {
        for _ in 0..200 {
            let matching: Vec<ReceivedSms> =
                self.received().into_iter().filter(|s| s.to == to).collect();
            if let Some(sms) = matching.get(index) {
                return sms.clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no SMS #{index} to {to}");
    }
}

async fn http_exchange(
    socket: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<ReceivedSms>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut reader = BufReader::new(read);
    let mut length = 0usize;
    let mut authorization = None;
    let mut line = String::new();
    reader.read_line(&mut line).await?;
    loop {
        line.clear();
        reader.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "authorization" => authorization = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).await?;
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    received.lock().unwrap().push(ReceivedSms {
        to: json["to"].as_str().unwrap_or_default().to_owned(),
        body: json["body"].as_str().unwrap_or_default().to_owned(),
        authorization,
    });
    write.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\nconnection: close\r\n\r\n{\"status\":\"ok\"}").await
}

/// The first run of exactly six digits in `text` (the code in a message).
pub fn code_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return chars[start..i].iter().collect();
            }
        } else {
            i += 1;
        }
    }
    panic!("no 6-digit code in {text:?}");
}

/// A loopback port that nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
