//! Enrolld: the operator REST API for identity enrollment.
//!
//! Data flows one way: `api` (HTTP) → `service` (rules, one transaction with its audit row) → `db`
//! (queries). `main.rs` only parses the command line; [`server::start`] builds and runs the app.

pub mod api;
pub mod auth;
pub mod background;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod db;
pub mod delivery;
pub mod error;
pub mod files;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod net;
pub mod outbound;
pub mod qr;
pub mod server;
pub mod service;
pub mod sources;
pub mod states;
pub mod text;
pub mod totp;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod layer_rules;
