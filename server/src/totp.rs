//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps), the kind every
//! authenticator app accepts. (The RFC core is a few lines on the hmac/sha1 crates already in the
//! build; the totp-rs crate would bring a second generation of the RustCrypto crates.)

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Seconds per step.
pub const STEP: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;

/// The code for the step containing `unix_time`.
pub fn code_at(key: &[u8], unix_time: i64) -> String {
    let counter = u64::try_from(unix_time.div_euclid(STEP)).unwrap_or(0);
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <Hmac<Sha1> as Mac>::new(&Default::default()));
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    format!(
        "{:0width$}",
        binary % 10_u32.pow(DIGITS),
        width = DIGITS as usize
    )
}

/// Whether `code` is valid at `unix_time`, allowing one step of clock drift either way.
pub fn verify(key: &[u8], code: &str, unix_time: i64) -> bool {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    (-1..=1).any(|drift| {
        let expected = code_at(key, unix_time + drift * STEP);
        expected
            .as_bytes()
            .iter()
            .zip(code.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    })
}

/// The key in base32 without padding, as authenticator apps take it.
pub fn base32(key: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(key)
}

/// The `otpauth://totp/...` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, key: &[u8]) -> String {
    let label = format!("{}:{}", percent_encode(issuer), percent_encode(account));
    format!(
        "otpauth://totp/{label}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP}",
        base32(key),
        percent_encode(issuer)
    )
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_test_vectors() {
        let key = b"12345678901234567890";
        // RFC 6238 appendix B gives 8 digits; the 6-digit codes are their last six.
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(key, time), eight[2..]);
        }
        assert!(verify(key, "287082", 59));
        assert!(verify(key, "287082", 59 + 30), "one step of drift");
        assert!(!verify(key, "287082", 59 + 61));
        assert!(!verify(key, "28708", 59));
        assert_eq!(
            base32(b"12345678901234567890"),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert!(
            otpauth_uri("Enrolld", "bob@corp", key)
                .starts_with("otpauth://totp/Enrolld:bob%40corp?secret=GEZDG")
        );
    }
}
