//! Scopes (a closed set) and roles (named bundles of scopes, used when minting tokens).

use std::fmt;
use std::str::FromStr;

macro_rules! scopes {
    ($($variant:ident => $name:literal: $doc:literal,)*) => {
        /// What an operator may do. Serialised as in tokens and in the OpenAPI `security` lists.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Scope {
            $(#[doc = $doc] $variant,)*
        }

        impl Scope {
            /// Every scope, in a stable order.
            pub const ALL: &'static [Scope] = &[$(Scope::$variant,)*];

            /// The scope's name, as it appears in tokens.
            pub fn as_str(self) -> &'static str {
                match self { $(Scope::$variant => $name,)* }
            }

            /// What the scope allows, for documentation.
            pub fn description(self) -> &'static str {
                match self { $(Scope::$variant => $doc,)* }
            }
        }

        impl FromStr for Scope {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($name => Ok(Scope::$variant),)*
                    other => Err(format!("unknown scope {other:?}")),
                }
            }
        }
    };
}

scopes! {
    UsersRead => "users:read": "Read the user directory.",
    UsersWrite => "users:write": "Create, change, import and delete users.",
    IdentityVerify => "identity:verify": "Verify a user's identity with a code the user reads back.",
    EnrollmentsRead => "enrollments:read": "See users' enrollments.",
    EnrollmentsWrite => "enrollments:write": "Enroll users and remove enrollments.",
    RegistrationSessionsRead => "registration-sessions:read": "See registration sessions.",
    RegistrationSessionsWrite => "registration-sessions:write": "Create, notify and remove registration sessions.",
    ProvisioningRead => "provisioning:read": "See provisioning tasks and reports.",
    ProvisioningWrite => "provisioning:write": "Create provisioning tasks and resend their emails.",
    ProvisioningManage => "provisioning:manage": "Edit and remove provisioning tasks.",
    NotificationsRead => "notifications:read": "See notification delivery status.",
    TemplatesWrite => "templates:write": "Change notification templates.",
    SettingsRead => "settings:read": "Read settings (the identity-verification policy).",
    SettingsWrite => "settings:write": "Change identity services and policies.",
    AuditRead => "audit:read": "Read the audit log.",
    SourcesRead => "sources:read": "See identity sources and query them (`test`).",
    SourcesWrite => "sources:write": "Create, change and delete identity sources.",
    FlowsRead => "flows:read": "See enrollment flows.",
    FlowsWrite => "flows:write": "Create, change and delete enrollment flows.",
    PetitionsRead => "petitions:read": "See petitions, their histories and linked identities.",
    PetitionsApprove => "petitions:approve": "Start petitions for people (invitations, administrator flows), confirm them, and approve or deny them.",
    MetricsRead => "metrics:read": "Read /metrics when the server requires a token for it (metrics_require_token).",
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Named bundles of scopes for `enrolld token issue --role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Verifies users and looks at their enrollments.
    UserVerifier,
    /// The service desk: verification, enrollments, registration sessions, notifications.
    ServiceDeskAgent,
    /// Provisions tokens through provisioning tasks.
    ProvisioningOperator,
    /// Everything.
    Administrator,
}

impl Role {
    /// The scopes the role bundles.
    pub fn scopes(self) -> Vec<Scope> {
        use Scope::*;
        match self {
            Role::UserVerifier => vec![IdentityVerify, EnrollmentsRead, UsersRead],
            Role::ServiceDeskAgent => vec![
                UsersRead,
                IdentityVerify,
                EnrollmentsRead,
                EnrollmentsWrite,
                RegistrationSessionsRead,
                RegistrationSessionsWrite,
                NotificationsRead,
                SettingsRead,
            ],
            Role::ProvisioningOperator => {
                vec![
                    UsersRead,
                    ProvisioningRead,
                    ProvisioningWrite,
                    ProvisioningManage,
                    NotificationsRead,
                ]
            }
            Role::Administrator => Scope::ALL.to_vec(),
        }
    }
}
