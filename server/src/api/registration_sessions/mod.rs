//! Registration sessions for the mobile app.

pub mod create;
pub mod current;
pub mod delete;
pub mod get;
pub mod list;
pub mod notify;
pub mod qr_png;
pub mod qr_svg;

/// An image, as bytes.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Image(pub Vec<u8>);
