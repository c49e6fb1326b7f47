//! Operator authentication (bearer JWTs) and authorization (scopes).

pub mod jwks;
pub mod jwt;
pub mod keys;
pub mod scopes;

use std::collections::BTreeSet;

use scopes::Scope;

/// The authenticated caller of an operator endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// The token's `sub`.
    pub id: String,
    /// The token's `name`, when it has one.
    pub name: Option<String>,
    /// The scopes the token grants (unknown scope names are ignored).
    pub scopes: BTreeSet<Scope>,
}

impl Operator {
    /// Whether the operator holds `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}
