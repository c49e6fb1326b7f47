//! Captures everything the server logs (at every level) so tests can check what never appears there.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

static LOGS: OnceLock<Mutex<Vec<u8>>> = OnceLock::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("ENROLLD_TEST_LOG_STDERR").is_some() {
            let _ = std::io::stderr().write_all(bytes);
        }
        if let Some(logs) = LOGS.get() {
            logs.lock().unwrap().extend_from_slice(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the capturing subscriber (once per test binary).
pub fn capture() {
    if LOGS.set(Mutex::new(Vec::new())).is_ok() {
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| Capture)
            .try_init();
    }
}

/// Everything logged so far by every server in this test binary.
pub fn text() -> String {
    LOGS.get()
        .map(|logs| String::from_utf8_lossy(&logs.lock().unwrap()).into_owned())
        .unwrap_or_default()
}
