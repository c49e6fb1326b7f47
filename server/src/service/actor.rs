//! Who acted: an operator (a verified token), the user themself (self-service, through the secret of
//! a link or a registration session), or the server (the expiry sweep). Audit rows and the "done by"
//! columns take it.

use crate::auth::Operator;
use crate::auth::scopes::Scope;
use crate::error::{AppError, AppResult};

/// Who carries out a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An operator with a verified token.
    Operator(Operator),
    /// The user, on their own account.
    User {
        /// The user's id.
        id: String,
        /// The user's display name.
        name: String,
    },
    /// A person petitioning through an enrollment flow, through the secret of its link.
    Petitioner {
        /// The petition's id.
        petition: String,
        /// The email address being confirmed, masked.
        email: String,
    },
    /// The server itself; the name says which part (`expiry sweep`).
    System(&'static str),
}

impl Actor {
    /// `operator`, `user` or `system`, as audit rows record it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Operator(_) => "operator",
            Self::User { .. } => "user",
            Self::Petitioner { .. } => "petitioner",
            Self::System(_) => "system",
        }
    }

    /// The id recorded as who did it (a system actor's name).
    pub fn id(&self) -> &str {
        match self {
            Self::Operator(operator) => &operator.id,
            Self::User { id, .. } => id,
            Self::Petitioner { petition, .. } => petition,
            Self::System(name) => name,
        }
    }

    /// The id an audit row records: none for the server itself (its name says which part).
    pub fn audit_id(&self) -> Option<&str> {
        match self {
            Self::System(_) => None,
            other => Some(other.id()),
        }
    }

    /// The name, when there is one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Operator(operator) => operator.name.as_deref(),
            Self::User { name, .. } => Some(name),
            Self::Petitioner { email, .. } => Some(email),
            Self::System(name) => Some(name),
        }
    }

    /// The name to show people: the name, else the id.
    pub fn display_name(&self) -> &str {
        self.name().unwrap_or_else(|| self.id())
    }

    /// Whether this is an operator holding `scope`.
    pub fn has(&self, scope: Scope) -> bool {
        matches!(self, Self::Operator(operator) if operator.has(scope))
    }

    /// Refuses with `Forbidden` unless this is an operator holding `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.has(scope) {
            return Ok(());
        }
        Err(AppError::Forbidden {
            missing_scope: scope,
        })
    }
}
