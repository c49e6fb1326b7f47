//! LDAP / Active Directory sources, through `ldap3` (rustls on ring): connect (`ldaps://`, or
//! `ldap://` with StartTLS), bind, search the subtree, map the entries.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ldap3::{LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry, ldap_escape};

use super::{Lookup, MAX_RECORDS, SourceError, chain, records, secrets, settings};
use crate::model::identity_sources::{IdentitySource, LdapSettings, SourceMapping, SourceRecord};

/// LDAP's result code for wrong credentials (RFC 4511 `invalidCredentials`).
const INVALID_CREDENTIALS: u32 = 49;
/// `noSuchObject`: the base DN does not exist.
const NO_SUCH_OBJECT: u32 = 32;
/// `sizeLimitExceeded`: more entries than asked for; the first ones still came.
const SIZE_LIMIT_EXCEEDED: u32 = 4;

pub async fn query(
    source: &IdentitySource,
    files_dir: Option<&Path>,
    lookup: &Lookup,
    timeout: Duration,
) -> Result<Vec<SourceRecord>, SourceError> {
    let ldap = settings(source.ldap.as_ref(), "ldap")?;
    crate::outbound::install_tls_provider();
    let password = match &ldap.bind_password {
        Some(secret) => secrets::read(files_dir, secret)?,
        None => String::new(),
    };
    let mut conn_settings = LdapConnSettings::new()
        .set_conn_timeout(timeout)
        .set_starttls(ldap.starttls);
    if let Some(ca_file) = &ldap.ca_file {
        conn_settings =
            conn_settings.set_config(tls_config(&secrets::resolve(files_dir, ca_file)?)?);
    }
    let (conn, mut client) = LdapConnAsync::with_settings(conn_settings, &ldap.url)
        .await
        .map_err(|e| connect_error(&ldap.url, e))?;
    tokio::spawn(async move {
        let _ = conn.drive().await;
    });
    client.with_timeout(timeout);
    if let Some(dn) = &ldap.bind_dn {
        let bound = client.simple_bind(dn, &password).await.map_err(op_error)?;
        if bound.rc == INVALID_CREDENTIALS {
            return Err(SourceError::Credentials(format!(
                "the directory refused the bind as {dn:?} (invalid credentials)"
            )));
        }
        bound.success().map_err(op_error)?;
    }
    let found = search(&mut client, ldap, &source.mapping, lookup).await;
    let _ = client.unbind().await;
    found
}

async fn search(
    client: &mut ldap3::Ldap,
    ldap: &LdapSettings,
    mapping: &SourceMapping,
    lookup: &Lookup,
) -> Result<Vec<SourceRecord>, SourceError> {
    let filter = match lookup {
        Lookup::Email(email) => ldap
            .filter
            .as_deref()
            .unwrap_or("(mail={email})")
            .replace("{email}", &ldap_escape(email.as_str())),
        Lookup::Key(key) => format!(
            "({}={})",
            mapping.key.as_deref().unwrap_or("entryUUID"),
            ldap_escape(key.as_str())
        ),
    };
    let attributes = wanted(mapping);
    let max = i32::try_from(MAX_RECORDS + 1).unwrap_or(i32::MAX);
    let answer = client
        .with_search_options(ldap3::SearchOptions::new().sizelimit(max))
        .search(&ldap.base_dn, Scope::Subtree, &filter, attributes)
        .await
        .map_err(op_error)?;
    match answer.1.rc {
        0 | SIZE_LIMIT_EXCEEDED => {}
        NO_SUCH_OBJECT => {
            return Err(SourceError::Failed(format!(
                "the base DN {:?} does not exist in the directory",
                ldap.base_dn
            )));
        }
        _ => return Err(op_error(LdapError::from(answer.1))),
    }
    Ok(answer
        .0
        .into_iter()
        .map(SearchEntry::construct)
        .filter_map(|entry| records::build(mapping, |field| values(&entry, field)))
        .collect())
}

/// The attributes a search asks for: every field of the mapping.
fn wanted(mapping: &SourceMapping) -> Vec<String> {
    [
        &mapping.key,
        &mapping.given_name,
        &mapping.family_name,
        &mapping.emails,
    ]
    .into_iter()
    .flatten()
    .chain(mapping.attributes.values())
    .cloned()
    .collect()
}

/// An entry's values of an attribute (names compare without case; binary values as hex).
fn values(entry: &SearchEntry, name: &str) -> Vec<String> {
    let text = entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone());
    let binary = || {
        entry
            .bin_attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| {
                v.iter()
                    .map(|b| data_encoding::HEXLOWER.encode(b))
                    .collect()
            })
    };
    text.or_else(binary).unwrap_or_default()
}

/// A rustls configuration trusting the system's CAs and those in `ca_file`.
fn tls_config(ca_file: &Path) -> Result<Arc<rustls::ClientConfig>, SourceError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    let extra: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca_file)
        .and_then(|certs| certs.collect())
        .map_err(|e| {
            SourceError::Misconfigured(format!(
                "cannot read the CA file {}: {e}",
                ca_file.display()
            ))
        })?;
    roots.add_parsable_certificates(extra);
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Why a connection could not be made.
fn connect_error(url: &str, error: LdapError) -> SourceError {
    match error {
        LdapError::Timeout { .. } => {
            SourceError::Unreachable(format!("{url}: no connection in time"))
        }
        LdapError::UrlParsing { .. } | LdapError::UnknownScheme(_) => {
            SourceError::Misconfigured(format!("{url}: {error}"))
        }
        other => SourceError::Unreachable(format!("cannot connect to {url}: {}", chain(&other))),
    }
}

/// Why an operation on an open connection failed.
fn op_error(error: LdapError) -> SourceError {
    match error {
        LdapError::Timeout { .. } => SourceError::Timeout,
        LdapError::LdapResult { result } => SourceError::Failed(format!(
            "the directory answered {} {}",
            result.rc,
            result.text.trim()
        )),
        other => SourceError::Failed(chain(&other)),
    }
}
