//! One integration binary: the real server, driven through the generated client.

mod audit;
mod authorization;
mod cli_and_config;
mod errors;
mod identity_services;
mod jwt;
mod openapi_document;
mod operations;
mod users;
