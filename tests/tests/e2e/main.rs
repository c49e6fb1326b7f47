//! One integration binary: the real server, driven through the generated client.

mod audit;
mod authorization;
mod bulk;
mod cli_and_config;
mod code_security;
mod connections;
mod delivery;
mod enrollment_flow;
mod errors;
mod hardening;
mod hostile_text;
mod identity_services;
mod jwks;
mod jwt;
mod openapi_document;
mod operations;
mod proofing;
mod provisioning;
mod races;
mod refused_flood;
mod registration_sessions;
mod replicas;
mod state_at_use;
mod templates;
mod users;
