//! Where the verification keys come from: an HS256 secret, a PEM public key, or a JWKS file/URL
//! (`jwks.rs`).

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};

pub use super::jwks::JwksKeys;
use crate::clock::Clock;
use crate::config::{Config, read_secret};

/// The verification keys.
pub enum KeySource {
    /// A shared HS256 secret (also used to mint tokens).
    Secret(Vec<u8>),
    /// One public key.
    PublicKey(DecodingKey),
    /// A key set, from a file (fixed) or a URL (cached and fetched again).
    Jwks(JwksKeys),
}

/// The resolved key source and the pinned algorithms.
pub struct VerificationKeys {
    /// Where keys come from.
    pub source: KeySource,
    /// The only algorithms accepted in token headers.
    pub algorithms: Vec<Algorithm>,
}

/// Builds the key source from the configuration; `dev_secret` is used when no key is configured.
pub async fn load(
    config: &Config,
    dev_secret: Option<Vec<u8>>,
    clock: &Clock,
) -> Result<VerificationKeys, String> {
    let secret = read_secret("jwt_secret", &config.jwt_secret, &config.jwt_secret_file)?;
    let configured = [
        secret.is_some(),
        config.jwt_public_key_file.is_some(),
        config.jwt_jwks_file.is_some(),
        config.jwt_jwks_url.is_some(),
    ]
    .iter()
    .filter(|set| **set)
    .count();
    if configured > 1 {
        return Err("jwt: set only one of jwt_secret(_file), jwt_public_key_file, jwt_jwks_file, jwt_jwks_url".into());
    }
    let (source, families) = if let Some(secret) = secret {
        if secret.len() < 32 {
            return Err("jwt_secret: must be at least 32 bytes".into());
        }
        (
            KeySource::Secret(secret.into_bytes()),
            vec![AlgorithmFamily::Hmac],
        )
    } else if let Some(path) = &config.jwt_public_key_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("jwt_public_key_file: cannot read {}: {e}", path.display()))?;
        let key = DecodingKey::from_rsa_pem(&pem)
            .or_else(|_| DecodingKey::from_ec_pem(&pem))
            .or_else(|_| DecodingKey::from_ed_pem(&pem))
            .map_err(|_| {
                format!(
                    "jwt_public_key_file: {} is not an RSA, EC or Ed25519 public key in PEM",
                    path.display()
                )
            })?;
        let family = key.family();
        (KeySource::PublicKey(key), vec![family])
    } else if config.jwt_jwks_file.is_some() || config.jwt_jwks_url.is_some() {
        let jwks = match (&config.jwt_jwks_file, &config.jwt_jwks_url) {
            (Some(path), _) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("jwt_jwks_file: cannot read {}: {e}", path.display()))?;
                JwksKeys::fixed(&text, clock)
                    .map_err(|e| format!("jwt_jwks_file: {}: {e}", path.display()))?
            }
            (None, Some(url)) => JwksKeys::remote(url.clone(), clock).await?,
            (None, None) => return Err("jwt: no JWKS file or URL".into()),
        };
        let families = vec![
            AlgorithmFamily::Rsa,
            AlgorithmFamily::Ec,
            AlgorithmFamily::Ed,
        ];
        (KeySource::Jwks(jwks), families)
    } else if let Some(secret) = dev_secret {
        (KeySource::Secret(secret), vec![AlgorithmFamily::Hmac])
    } else {
        return Err("no JWT verification key: set ENROLLD_JWT_SECRET (or _FILE), ENROLLD_JWT_PUBLIC_KEY_FILE, \
                    ENROLLD_JWT_JWKS_FILE or ENROLLD_JWT_JWKS_URL, or run `enrolld serve --dev` for a first try"
            .into());
    };
    let algorithms = match &config.jwt_algorithms {
        Some(list) => parse_algorithms(list, &families)?,
        None => default_algorithms(&source, &families),
    };
    Ok(VerificationKeys { source, algorithms })
}

fn default_algorithms(source: &KeySource, families: &[AlgorithmFamily]) -> Vec<Algorithm> {
    match source {
        KeySource::Secret(_) => vec![Algorithm::HS256],
        KeySource::PublicKey(key) => match key.family() {
            AlgorithmFamily::Rsa => vec![Algorithm::RS256],
            AlgorithmFamily::Ec => vec![Algorithm::ES256],
            AlgorithmFamily::Ed => vec![Algorithm::EdDSA],
            AlgorithmFamily::Hmac => vec![Algorithm::HS256],
        },
        KeySource::Jwks(_) => {
            let mut algs = Vec::new();
            for family in families {
                algs.extend_from_slice(match family {
                    AlgorithmFamily::Rsa => &[Algorithm::RS256][..],
                    AlgorithmFamily::Ec => &[Algorithm::ES256][..],
                    AlgorithmFamily::Ed => &[Algorithm::EdDSA][..],
                    AlgorithmFamily::Hmac => &[][..],
                });
            }
            algs
        }
    }
}

fn parse_algorithms(list: &str, families: &[AlgorithmFamily]) -> Result<Vec<Algorithm>, String> {
    let mut algorithms = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let alg: Algorithm = name.parse().map_err(|_| {
            format!(
                "jwt_algorithms: {name:?} is not a JWS algorithm (e.g. HS256, RS256, ES256, EdDSA)"
            )
        })?;
        if !families.contains(&alg.family()) {
            return Err(format!(
                "jwt_algorithms: {name} does not fit the configured key"
            ));
        }
        algorithms.push(alg);
    }
    if algorithms.is_empty() {
        return Err("jwt_algorithms: name at least one algorithm".into());
    }
    Ok(algorithms)
}
