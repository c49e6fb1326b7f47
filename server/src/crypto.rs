//! The server key and what is derived from it: keyed hashes of codes and secrets (HMAC-SHA256,
//! compared in constant time) and sealing of outbox payloads at rest (ChaCha20-Poly1305).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The working keys derived from one server key, and the id that names it in what it made.
#[derive(Clone)]
struct KeyMaterial {
    id: String,
    hash_key: [u8; 32],
    seal_key: [u8; 32],
}

impl KeyMaterial {
    fn from_master(master: &[u8]) -> Result<Self, String> {
        if master.len() < 32 {
            return Err("secret_key: must be at least 32 bytes".into());
        }
        let id_bytes = derive(master, "enrolld key id v1");
        Ok(Self {
            id: format!("k{}", hex(&id_bytes[..4])),
            hash_key: derive(master, "enrolld code hash v1"),
            seal_key: derive(master, "enrolld outbox seal v1"),
        })
    }

    fn mac(&self, context: &str, data: &str) -> HmacSha256 {
        let mut mac = mac_with(&self.hash_key);
        mac.update(context.as_bytes());
        mac.update(&[0]);
        mac.update(data.as_bytes());
        mac
    }

    /// The keyed digest of `data` bound to `context`.
    fn digest(&self, context: &str, data: &str) -> [u8; 32] {
        self.mac(context, data).finalize().into_bytes().into()
    }

    /// Whether `expected` is the digest of `data` bound to `context` (constant-time comparison).
    fn verifies(&self, context: &str, data: &str, expected: &[u8]) -> bool {
        self.mac(context, data).verify_slice(expected).is_ok()
    }
}

/// The server key ring: the current key hashes, tags and seals; earlier keys (after a rotation) still
/// verify and open what they made. Every hash and sealed value names the key that made it
/// (`<key id>:<value>`), so a rotation loses no pending code, outbox row or TOTP seed.
#[derive(Clone)]
pub struct ServerKey {
    current: KeyMaterial,
    previous: Vec<KeyMaterial>,
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
    /// A ring with one key (at least 32 bytes).
    pub fn from_master(master: &[u8]) -> Result<Self, String> {
        Ok(Self {
            current: KeyMaterial::from_master(master)?,
            previous: Vec::new(),
        })
    }

    /// Adds earlier keys that still verify and open what they made.
    pub fn with_previous(mut self, masters: &[Vec<u8>]) -> Result<Self, String> {
        for master in masters {
            let material = KeyMaterial::from_master(master)
                .map_err(|e| e.replace("secret_key", "secret_key_previous"))?;
            if material.id != self.current.id {
                self.previous.push(material);
            }
        }
        Ok(self)
    }

    /// The id of the current key (as it appears in hashes and sealed values).
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn all(&self) -> impl Iterator<Item = &KeyMaterial> {
        std::iter::once(&self.current).chain(&self.previous)
    }

    /// The key named by a `<key id>:` prefix; values from before key ids name none and are tried
    /// with every key.
    fn named<'a>(&'a self, value: &'a str) -> (Vec<&'a KeyMaterial>, &'a str) {
        match value.split_once(':') {
            Some((id, rest)) if id.starts_with('k') && id.len() == 9 => {
                (self.all().filter(|k| k.id == id).collect(), rest)
            }
            _ => (self.all().collect(), value),
        }
    }

    /// The keyed hash of `secret` bound to `context` (e.g. a challenge id): `<key id>:<hex>`.
    pub fn hash(&self, context: &str, secret: &str) -> String {
        let digest = self.current.digest(context, secret);
        format!("{}:{}", self.current.id, hex(&digest))
    }

    /// Whether `secret` hashes to `expected` under the key that made it (constant-time comparison).
    pub fn verify(&self, context: &str, secret: &str, expected: &str) -> bool {
        let (keys, expected) = self.named(expected);
        let Some(expected) = unhex(expected) else {
            return false;
        };
        keys.into_iter()
            .any(|key| key.verifies(context, secret, &expected))
    }

    /// A keyed tag of `data` bound to `context`, base64url (43 characters, 256 bits), by the current key.
    pub fn tag(&self, context: &str, data: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.current.digest(context, data))
    }

    /// Whether `tag` is the tag of `data` under any key of the ring (constant-time comparisons).
    pub fn verify_tag(&self, context: &str, data: &str, tag: &str) -> bool {
        let Ok(expected) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        self.all().any(|key| key.verifies(context, data, &expected))
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

    /// Encrypts `plaintext` bound to its row (`table:id` is the AEAD associated data, so the value
    /// does not open when copied into another row): `<key id>:<base64 nonce ‖ ciphertext>`.
    pub fn seal(&self, table: &str, id: &str, plaintext: &[u8]) -> Result<String, String> {
        let cipher = ChaCha20Poly1305::new(&Key::from(self.current.seal_key));
        let nonce = random_bytes::<12>()?;
        let row = format!("{table}:{id}");
        let payload = Payload {
            msg: plaintext,
            aad: row.as_bytes(),
        };
        let ciphertext = cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| "sealing failed".to_owned())?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        Ok(format!("{}:{}", self.current.id, STANDARD.encode(out)))
    }

    /// Decrypts what [`ServerKey::seal`] made for the same row, with the key that sealed it.
    pub fn open(&self, table: &str, id: &str, sealed: &str) -> Result<Vec<u8>, String> {
        let row = format!("{table}:{id}");
        let (keys, encoded) = self.named(sealed);
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| "sealed payload is not base64".to_owned())?;
        if bytes.len() < 12 {
            return Err("sealed payload is too short".into());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| "sealed payload is too short".to_owned())?;
        keys.into_iter()
            .find_map(|key| {
                let cipher = ChaCha20Poly1305::new(&Key::from(key.seal_key));
                let payload = Payload {
                    msg: ciphertext,
                    aad: row.as_bytes(),
                };
                cipher.decrypt(&Nonce::from(nonce), payload).ok()
            })
            .ok_or_else(|| {
                "sealed payload does not open with the server keys for this row".to_owned()
            })
    }
}

/// A new server key: 32 random bytes, base64 (what `enrolld key generate` prints).
pub fn generate_key() -> Result<String, String> {
    Ok(STANDARD.encode(random_bytes::<32>()?))
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

fn decode_master(text: &str) -> Vec<u8> {
    STANDARD
        .decode(text.trim())
        .unwrap_or_else(|_| text.trim().as_bytes().to_vec())
}

/// Loads the server key ring: the configured key (inline or in a file) and earlier keys; without a
/// configured key, on SQLite only, a key generated once and kept in `state_dir`. On PostgreSQL every
/// replica must share one key, so a missing key is an error that says how to make one.
pub fn load_server_key(
    inline: Option<String>,
    previous: &[String],
    state_dir: Option<&std::path::Path>,
) -> Result<ServerKey, String> {
    let previous: Vec<Vec<u8>> = previous.iter().map(|p| decode_master(p)).collect();
    if let Some(text) = inline {
        return ServerKey::from_master(&decode_master(&text))?.with_previous(&previous);
    }
    let Some(state_dir) = state_dir else {
        return Err("secret_key: PostgreSQL needs a server key that every replica shares: run `enrolld key generate` and set ENROLLD_SECRET_KEY (or ENROLLD_SECRET_KEY_FILE) on each replica".into());
    };
    let path = state_dir.join("enrolld-secret.key");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let generated = generate_key()?;
            match crate::files::write_private(&path, &generated) {
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
    ServerKey::from_master(&bytes)?.with_previous(&previous)
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
    fn hashes_verify_and_seals_open_only_with_the_same_key_and_row() {
        let key = ServerKey::from_master(&[7u8; 32]).unwrap();
        let other = ServerKey::from_master(&[8u8; 32]).unwrap();
        let hash = key.hash("challenge-1", "123456");
        assert!(hash.starts_with(&format!("{}:", key.current_id())));
        assert!(key.verify("challenge-1", "123456", &hash));
        assert!(!key.verify("challenge-1", "123457", &hash));
        assert!(!key.verify("challenge-2", "123456", &hash));
        assert!(!other.verify("challenge-1", "123456", &hash));
        let sealed = key.seal("notifications", "1", b"code 123456").unwrap();
        assert!(!sealed.contains("123456"));
        assert_eq!(
            key.open("notifications", "1", &sealed).unwrap(),
            b"code 123456"
        );
        assert!(
            key.open("notifications", "2", &sealed).is_err(),
            "bound to its row"
        );
        assert!(other.open("notifications", "1", &sealed).is_err());
        let code = six_digit_code().unwrap();
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn a_rotated_ring_still_verifies_and_opens_what_the_old_key_made() {
        let old = ServerKey::from_master(&[7u8; 32]).unwrap();
        let hash = old.hash("c", "123456");
        let sealed = old.seal("task_entries", "9", b"seed").unwrap();
        let link = old.link_secret("self-enrollment", "0196a3c2-5b1e-7c3d-9f00-123456789abc");
        let rotated = ServerKey::from_master(&[9u8; 32])
            .unwrap()
            .with_previous(&[vec![7u8; 32]])
            .unwrap();
        assert_ne!(rotated.current_id(), old.current_id());
        assert!(rotated.verify("c", "123456", &hash));
        assert_eq!(rotated.open("task_entries", "9", &sealed).unwrap(), b"seed");
        assert!(
            rotated
                .id_of_link_secret("self-enrollment", &link)
                .is_some()
        );
        let fresh = rotated.hash("c", "123456");
        assert!(fresh.starts_with(rotated.current_id()));
        assert!(!old.verify("c", "123456", &fresh));
    }
}
