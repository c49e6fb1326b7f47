//! `/v1/join/...`: the public steps of a petition (no operator token), called by the `/join` page
//! with the secret from the emailed link, or to start a self-signup.

pub mod confirm;
pub mod decline;
pub mod start;
pub mod view;

use crate::api::extract::PublicRequest;
use crate::service::public_limits::Origin;

/// Where a public request comes from.
fn origin(request: PublicRequest) -> Origin {
    Origin {
        request_id: request.request_id,
        operation_id: request.operation_id,
        source: request.source,
    }
}
