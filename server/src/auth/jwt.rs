//! Verifying operator tokens, and minting them with the shared secret.

use std::collections::BTreeSet;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};

use super::Operator;
use super::keys::{KeySource, VerificationKeys};
use super::scopes::Scope;

/// Clock skew accepted on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 60;

/// The claims Enrolld reads and writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The operator's id.
    pub sub: String,
    /// The operator's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: String,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
    /// Not before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

#[derive(Deserialize)]
struct ReadClaims {
    sub: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    iat: Option<u64>,
    exp: u64,
}

/// Verifies bearer tokens against the configured keys, algorithms, issuer and audience.
pub struct Verifier {
    keys: VerificationKeys,
    issuer: String,
    audience: String,
    rules: TokenRules,
}

/// What a token must satisfy beyond its signature, issuer and audience.
#[derive(Debug, Clone, Default)]
pub struct TokenRules {
    /// The longest accepted lifetime (`exp` minus now), in seconds.
    pub max_lifetime_seconds: u64,
    /// The required `typ` header (compared case-insensitively, `application/` prefix optional).
    pub typ: Option<String>,
}

impl Verifier {
    /// A verifier.
    pub fn new(
        keys: VerificationKeys,
        issuer: String,
        audience: String,
        rules: TokenRules,
    ) -> Self {
        Self {
            keys,
            issuer,
            audience,
            rules,
        }
    }

    /// Checks a token and returns the operator it names, or why it was refused (safe to show).
    pub async fn verify(&self, token: &str) -> Result<Operator, String> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|_| "the token is malformed".to_owned())?;
        // RFC 7515 §4.1.11: this server implements no extension, so any `crit` is refused.
        if header.crit.is_some() {
            return Err(
                "the token names critical header extensions this server does not implement (crit)"
                    .into(),
            );
        }
        if let Some(required) = &self.rules.typ {
            let plain = |t: &str| {
                let t = t.to_ascii_lowercase();
                t.strip_prefix("application/")
                    .map(str::to_owned)
                    .unwrap_or(t)
            };
            if header.typ.as_deref().map(plain) != Some(plain(required)) {
                return Err(format!("the token's typ header must be {required}"));
            }
        }
        if !self.keys.algorithms.contains(&header.alg) {
            return Err(format!(
                "the token's algorithm {:?} is not accepted",
                header.alg
            ));
        }
        let key = match &self.keys.source {
            KeySource::Secret(secret) => DecodingKey::from_secret(secret),
            KeySource::PublicKey(key) => key.clone(),
            KeySource::Jwks(jwks) => jwks
                .find(header.kid.as_deref(), header.alg)
                .await
                .ok_or_else(|| "the token's key id is not known".to_owned())?,
        };
        if key.family() != header.alg.family() {
            return Err(format!(
                "the token's algorithm {:?} does not fit the key",
                header.alg
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<ReadClaims>(token, &key, &validation)
            .map_err(|e| describe(e.kind()))?;
        let claims = data.claims;
        let now = jsonwebtoken::get_current_timestamp();
        if claims.iat.is_some_and(|iat| iat > now + LEEWAY_SECONDS) {
            return Err("the token was issued in the future".into());
        }
        if claims.exp > now + self.rules.max_lifetime_seconds + LEEWAY_SECONDS {
            return Err(format!(
                "the token's lifetime exceeds the accepted maximum of {} seconds",
                self.rules.max_lifetime_seconds
            ));
        }
        if claims.sub.trim().is_empty() {
            return Err("the token has an empty sub".into());
        }
        let scopes: BTreeSet<Scope> = claims
            .scope
            .unwrap_or_default()
            // RFC 6749 §3.3: scopes are separated by U+0020 only, so a newline or NBSP inside a
            // value makes that value unknown instead of granting a second scope.
            .split(' ')
            .filter_map(|s| s.parse().ok())
            .collect();
        Ok(Operator {
            id: claims.sub,
            name: claims.name.filter(|n| !n.is_empty()),
            scopes,
        })
    }
}

fn describe(kind: &ErrorKind) -> String {
    match kind {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
        ErrorKind::InvalidSignature => "the token's signature is invalid",
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted",
        ErrorKind::InvalidAudience => "the token's audience does not include this API",
        ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted",
        ErrorKind::MissingRequiredClaim(claim) => return format!("the token has no {claim} claim"),
        _ => "the token is malformed",
    }
    .to_owned()
}

/// Mints an HS256 operator token.
pub fn mint(
    secret: &[u8],
    issuer: &str,
    audience: &str,
    sub: &str,
    name: Option<&str>,
    scopes: &[Scope],
    ttl_seconds: u64,
) -> Result<String, String> {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        iss: issuer.to_owned(),
        aud: audience.to_owned(),
        sub: sub.to_owned(),
        name: name.map(str::to_owned),
        scope: scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        exp: now + ttl_seconds,
        nbf: Some(now),
        iat: Some(now),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .map_err(|e| format!("cannot sign the token: {e}"))
}

/// Parses a duration such as `90s`, `30m`, `1h`, `7d` into seconds.
pub fn parse_ttl(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 30m, 1h or 7d"))?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?} is not a duration like 30m, 1h or 7d")),
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(format!("{text:?} is not a usable duration")),
        Some(seconds) => Ok(seconds),
    }
}
