//! Identity sources: configured connectors to the organization's directories. Reads and the stored
//! form here; checks in `check`, changes in `change`, queries in `test`.

mod change;
mod check;
mod test;

pub use change::{create, delete, update};
pub use test::{lookup, test};

use serde::{Deserialize, Serialize};

use super::page;
use crate::db::identity_sources::{self as rows, SourceRow};
use crate::db::{Db, DbConn};
use crate::error::{AppError, AppResult};
use crate::model::identity_sources::{
    FileSettings, HttpJsonSettings, IdentitySource, IdentitySourcePage, LdapSettings,
    ListIdentitySourcesQuery, SourceMapping,
};

/// The `settings` column: everything but the name, description and kind, as given.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Stored {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ldap: Option<LdapSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_json: Option<HttpJsonSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file: Option<FileSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mapping: Option<SourceMapping>,
    timeout_seconds: u32,
}

/// A source with its ETag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Versioned {
    /// The source.
    pub source: IdentitySource,
    /// Its ETag.
    pub etag: String,
}

fn to_model(row: SourceRow) -> AppResult<IdentitySource> {
    let stored: Stored = serde_json::from_str(&row.settings)
        .map_err(|e| AppError::internal(format!("identity source {}: settings: {e}", row.id)))?;
    Ok(IdentitySource {
        mapping: crate::sources::effective_mapping(row.kind, stored.mapping.as_ref()),
        id: row.id,
        name: row.name,
        description: row.description,
        kind: row.kind,
        ldap: stored.ldap,
        http_json: stored.http_json,
        file: stored.file,
        timeout_seconds: stored.timeout_seconds,
        created_by: row.created_by,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn versioned(row: SourceRow) -> AppResult<Versioned> {
    let source = to_model(row)?;
    Ok(Versioned {
        etag: super::versions::tag_of(&source),
        source,
    })
}

/// The source with this id or name, or `NotFound`.
pub fn find_required(conn: &mut DbConn, source: &str) -> AppResult<SourceRow> {
    rows::find(conn, source)?.ok_or_else(|| AppError::NotFound {
        kind: "identity source",
        id: source.to_owned(),
    })
}

/// One source.
pub async fn get(db: &Db, source: String) -> AppResult<Versioned> {
    db.read(move |conn| versioned(find_required(conn, &source)?))
        .await
}

/// A page of sources by name.
pub async fn list(db: &Db, query: ListIdentitySourcesQuery) -> AppResult<IdentitySourcePage> {
    let limit = page::limit(query.limit)?;
    let after = query
        .cursor
        .as_deref()
        .map(|c| page::decode_cursor("identity-sources", c))
        .transpose()?;
    let kind = query.kind;
    let rows = db
        .read(move |conn| {
            rows::list(conn, kind, after.as_deref(), limit + 1).map_err(AppError::from)
        })
        .await?;
    let (rows, next_cursor) = page::split(rows, limit, "identity-sources", |r| r.name.clone());
    Ok(IdentitySourcePage {
        items: rows.into_iter().map(to_model).collect::<AppResult<_>>()?,
        next_cursor,
    })
}
