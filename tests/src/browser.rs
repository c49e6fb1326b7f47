//! Debian's Chromium, headless, for the public pages: the DOM a page has once its script ran.
//! `.ci/run` installs it (package `chromium`).

use std::process::Command;

/// Where Debian installs Chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Loads `url` in headless Chromium, lets its scripts run (up to five seconds of page time), and
/// answers the DOM as HTML. Blocking: call it through `spawn_blocking` from a test's runtime.
pub fn dump_dom(url: &str) -> String {
    let profile = crate::temp_dir().join("chromium");
    let output = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{CHROMIUM} did not run ({e}); install the Debian package chromium, as .ci/run does"
            )
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
