//! `/v1/identity-sources`: connectors to the organization's directories.

pub mod create;
pub mod delete;
pub mod get;
pub mod list;
pub mod test;
pub mod update;

use actix_web::HttpResponse;
use actix_web::http::header;

use crate::service::identity_sources::Versioned;

/// A source response with its `ETag`.
fn with_etag(mut response: actix_web::HttpResponseBuilder, versioned: Versioned) -> HttpResponse {
    response
        .insert_header((header::ETAG, versioned.etag))
        .json(versioned.source)
}
