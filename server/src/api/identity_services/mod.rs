//! `/v1/identity-services`: the catalogue of identity services.

pub mod get;
pub mod list;
pub mod update;
