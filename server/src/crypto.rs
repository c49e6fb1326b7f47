//! The server key and what is derived from it: keyed hashes of codes and secrets (HMAC-SHA256,
//! compared in constant time) and sealing of outbox payloads at rest (ChaCha20-Poly1305).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Keys derived from the server key.
#[derive(Clone)]
pub struct ServerKey {
    hash_key: [u8; 32],
    seal_key: [u8; 32],
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(..)")
    }
}

/// An HMAC-SHA256 instance keyed with `key` (HMAC accepts keys of any length, so this cannot fail).
fn mac_with(key: &[u8]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as Mac>::new(&Default::default()))
}

fn derive(master: &[u8], label: &str) -> [u8; 32] {
    let mut mac = mac_with(master);
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl ServerKey {
    /// Derives the working keys from the server key (at least 32 bytes).
    pub fn from_master(master: &[u8]) -> Result<Self, String> {
        if master.len() < 32 {
            return Err("secret_key: must be at least 32 bytes".into());
        }
        Ok(Self {
            hash_key: derive(master, "enrolld code hash v1"),
            seal_key: derive(master, "enrolld outbox seal v1"),
        })
    }

    /// The keyed hash of `secret` bound to `context` (e.g. a challenge id), as hex.
    pub fn hash(&self, context: &str, secret: &str) -> String {
        let mut mac = self.mac(context);
        mac.update(secret.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Whether `secret` hashes to `expected` (constant-time comparison).
    pub fn verify(&self, context: &str, secret: &str, expected: &str) -> bool {
        let Some(expected) = unhex(expected) else {
            return false;
        };
        let mut mac = self.mac(context);
        mac.update(secret.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }

    /// A keyed tag of `data` bound to `context`, base64url (43 characters, 256 bits).
    pub fn tag(&self, context: &str, data: &str) -> String {
        let mut mac = self.mac(context);
        mac.update(data.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `tag` is the tag of `data` (constant-time comparison).
    pub fn verify_tag(&self, context: &str, data: &str, tag: &str) -> bool {
        let Ok(expected) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        let mut mac = self.mac(context);
        mac.update(data.as_bytes());
        mac.verify_slice(&expected).is_ok()
    }

    /// A link secret for the record `id`: the id (hex) and a keyed tag of it (256 bits), joined by a dot.
    /// Nothing needs storing: the same secret can be derived again while the record allows it.
    pub fn link_secret(&self, context: &str, id: &str) -> String {
        format!("{}.{}", id.replace('-', ""), self.tag(context, id))
    }

    /// The record id a link secret names, if the secret is genuine (constant-time check).
    pub fn id_of_link_secret(&self, context: &str, secret: &str) -> Option<String> {
        let (simple, tag) = secret.trim().split_once('.')?;
        let id = uuid::Uuid::try_parse(simple).ok()?.hyphenated().to_string();
        self.verify_tag(context, &id, tag).then_some(id)
    }

    fn mac(&self, context: &str) -> HmacSha256 {
        let mut mac = mac_with(&self.hash_key);
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac
    }

    /// Encrypts `plaintext` (base64 of nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &[u8]) -> Result<String, String> {
        let cipher = ChaCha20Poly1305::new(&Key::from(self.seal_key));
        let mut nonce = [0u8; 12];
        OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| format!("no randomness: {e}"))?;
        let ciphertext = cipher
            .encrypt(&Nonce::from(nonce), plaintext)
            .map_err(|_| "sealing failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(STANDARD.encode(out))
    }

    /// Decrypts what [`ServerKey::seal`] made.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, String> {
        let bytes = STANDARD
            .decode(sealed)
            .map_err(|_| "sealed payload is not base64".to_owned())?;
        if bytes.len() < 12 {
            return Err("sealed payload is too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| "sealed payload is too short".to_owned())?;
        let cipher = ChaCha20Poly1305::new(&Key::from(self.seal_key));
        cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| "sealed payload does not open with this server key".to_owned())
    }
}

/// A uniformly random 6-digit code from the OS CSPRNG.
pub fn six_digit_code() -> Result<String, String> {
    // Rejection sampling keeps the distribution uniform.
    let limit = u32::MAX - (u32::MAX % 1_000_000);
    loop {
        let value = OsRng
            .try_next_u32()
            .map_err(|e| format!("no randomness: {e}"))?;
        if value < limit {
            return Ok(format!("{:06}", value % 1_000_000));
        }
    }
}

/// `bytes` random bytes from the OS CSPRNG, base64url without padding.
pub fn random_token(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    OsRng
        .try_fill_bytes(&mut buffer)
        .map_err(|e| format!("no randomness: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Loads the server key: configured inline or in a file, else generated once and kept in `state_dir`.
pub fn load_server_key(
    inline: Option<String>,
    state_dir: &std::path::Path,
) -> Result<ServerKey, String> {
    if let Some(text) = inline {
        let bytes = STANDARD
            .decode(text.trim())
            .unwrap_or_else(|_| text.into_bytes());
        return ServerKey::from_master(&bytes);
    }
    let path = state_dir.join("enrolld-secret.key");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let generated = STANDARD.encode(random_bytes::<32>()?);
            match crate::server::write_private(&path, &generated) {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "generated the server key");
                    generated
                }
                // Another process created it first: use theirs.
                Err(_) => std::fs::read_to_string(&path)
                    .map_err(|e| format!("secret_key: cannot read {}: {e}", path.display()))?,
            }
        }
        Err(error) => {
            return Err(format!(
                "secret_key: cannot read {}: {error}",
                path.display()
            ));
        }
    };
    let bytes = STANDARD
        .decode(text.trim())
        .map_err(|_| format!("secret_key: {} is not base64", path.display()))?;
    ServerKey::from_master(&bytes)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buffer = [0u8; N];
    OsRng
        .try_fill_bytes(&mut buffer)
        .map_err(|e| format!("no randomness: {e}"))?;
    Ok(buffer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_seals_open_only_with_the_same_key() {
        let key = ServerKey::from_master(&[7u8; 32]).unwrap();
        let other = ServerKey::from_master(&[8u8; 32]).unwrap();
        let hash = key.hash("challenge-1", "123456");
        assert!(key.verify("challenge-1", "123456", &hash));
        assert!(!key.verify("challenge-1", "123457", &hash));
        assert!(!key.verify("challenge-2", "123456", &hash));
        assert!(!other.verify("challenge-1", "123456", &hash));
        let sealed = key.seal(b"code 123456").unwrap();
        assert!(!sealed.contains("123456"));
        assert_eq!(key.open(&sealed).unwrap(), b"code 123456");
        assert!(other.open(&sealed).is_err());
        let code = six_digit_code().unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
    }
}
