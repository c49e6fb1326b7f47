//! The stored states of the domain, one enum each, shared by every layer: `db` reads and writes them
//! (as text, see `db::states`), services compare them, and the API serialises them as the same
//! lower-case words. A leaf module: it names no other module of the crate.

use diesel::expression::AsExpression;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Declares a stored state enum: its words, `as_str`, `ALL` and `FromStr`. Each word is the
/// variant's name in snake case, which is how serde (and so the OpenAPI document) spells it; a unit
/// test checks that they agree.
macro_rules! stored_states {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema,
            AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every state, in declaration order.
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            /// The word stored and serialised.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownState;

            fn from_str(word: &str) -> Result<Self, UnknownState> {
                match word {
                    $($word => Ok(Self::$variant),)+
                    _ => Err(UnknownState(word.to_owned())),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored word that names no state (a row written by something else).
#[derive(Debug, thiserror::Error)]
#[error("unknown state {0:?}")]
pub struct UnknownState(pub String);

stored_states! {
    /// Whether a user may be enrolled and sign in.
    UserState {
        /// The user can be enrolled.
        Active = "active",
        /// The user is kept in the directory but cannot be enrolled.
        Disabled = "disabled",
    }
}

stored_states! {
    /// A registration session's state. A pending session past its expiry is expired.
    SessionStatus {
        /// Waiting for the app.
        Pending = "pending",
        /// The app registered with it.
        Consumed = "consumed",
        /// It expired unused.
        Expired = "expired",
        /// An operator removed it (or replaced it with `force`).
        Removed = "removed",
    }
}

stored_states! {
    /// A task entry's state: `active → completed | locked | expired | canceled`, never back.
    EntryStatus {
        /// The user may self-enroll until the stop date.
        Active = "active",
        /// The user enrolled the token and used it once.
        Completed = "completed",
        /// Too many failed self-enrollment attempts.
        Locked = "locked",
        /// The stop date passed first.
        Expired = "expired",
        /// An operator removed the user or the task.
        Canceled = "canceled",
    }
}

stored_states! {
    /// Whether a provisioning task still has active entries (worked out from them, not stored).
    TaskStatus {
        /// Some entries are active.
        Open = "open",
        /// Every entry is completed, locked, expired or canceled.
        Completed = "completed",
    }
}

stored_states! {
    /// Where a notification is in its delivery.
    NotificationStatus {
        /// Waiting to be sent (or to be retried).
        Pending = "pending",
        /// Accepted by the mail server or SMS gateway.
        Sent = "sent",
        /// Not sent before its deadline (e.g. the code in it expired).
        Expired = "expired",
        /// Given up after repeated failures.
        Failed = "failed",
    }
}

stored_states! {
    /// What kind of directory an identity source reads.
    SourceKind {
        /// LDAP or Active Directory.
        Ldap = "ldap",
        /// An HTTP endpoint answering JSON.
        HttpJson = "http_json",
        /// A CSV or JSON-lines file, read again when it changes.
        File = "file",
    }
}

stored_states! {
    /// Who may start a petition in an enrollment flow.
    FlowAuthorization {
        /// Anyone, at the flow's public page (self-signup).
        SelfSignup = "self_signup",
        /// A person an operator invited by email.
        Invitation = "invitation",
        /// An administrator, on the person's behalf.
        Administrator = "administrator",
    }
}

stored_states! {
    /// How a flow uses an attached identity source.
    SourceMode {
        /// The petitioner signs in to the source (OIDC) at the start.
        Authenticate = "authenticate",
        /// After email confirmation, some source must match or the petition cannot go on.
        Claim = "claim",
        /// Like authenticate, after email confirmation.
        Identify = "identify",
        /// After email confirmation, each matching record is linked.
        Search = "search",
        /// As search; a source in this mode that does not match denies the petition.
        SearchRequired = "search_required",
        /// An administrator picks the record (administrator flows only).
        Select = "select",
        /// Attached but not used.
        None = "none",
    }
}

stored_states! {
    /// A petition's state: `created → pending_confirmation → (pending_approval →) approved →
    /// finalized`, or one of the ends `denied`, `declined`, `duplicate`, `failed`.
    PetitionStatus {
        /// Just made; the email is not yet on its way.
        Created = "created",
        /// Waiting for the petitioner to confirm the email address.
        PendingConfirmation = "pending_confirmation",
        /// Confirmed and matched; waiting for an approver.
        PendingApproval = "pending_approval",
        /// Approved (or needing no approval); finalized in the same step.
        Approved = "approved",
        /// The person is in the directory: the end of the road.
        Finalized = "finalized",
        /// An approver or a required source said no.
        Denied = "denied",
        /// The petitioner declined the invitation.
        Declined = "declined",
        /// The email or a linked identity already belongs to a user.
        Duplicate = "duplicate",
        /// Too many wrong codes, or no source matched a claim.
        Failed = "failed",
    }
}

impl PetitionStatus {
    /// Whether nothing more can happen to a petition in this state.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Finalized | Self::Denied | Self::Declined | Self::Duplicate | Self::Failed
        )
    }

    /// Whether a petition may move from this state to `to` (the transition table).
    pub fn can_go(self, to: Self) -> bool {
        use PetitionStatus::*;
        match (self, to) {
            (Created, PendingConfirmation)
            | (PendingConfirmation, PendingApproval | Approved)
            | (PendingApproval, Approved)
            | (Approved, Finalized) => true,
            (from, Denied | Declined | Duplicate | Failed) => !from.is_final() && from != Approved,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_state_and_serialises_the_same() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize + std::str::FromStr>(
            all: &[T],
            word: fn(T) -> &'static str,
        ) {
            for &state in all {
                assert_eq!(word(state).parse::<T>().ok(), Some(state));
                let serialised = serde_json::to_value(state).ok();
                assert_eq!(serialised, Some(serde_json::Value::from(word(state))));
            }
        }
        check(UserState::ALL, UserState::as_str);
        check(SessionStatus::ALL, SessionStatus::as_str);
        check(EntryStatus::ALL, EntryStatus::as_str);
        check(TaskStatus::ALL, TaskStatus::as_str);
        check(NotificationStatus::ALL, NotificationStatus::as_str);
        check(SourceKind::ALL, SourceKind::as_str);
        check(FlowAuthorization::ALL, FlowAuthorization::as_str);
        check(SourceMode::ALL, SourceMode::as_str);
        check(PetitionStatus::ALL, PetitionStatus::as_str);
        assert!("Active".parse::<UserState>().is_err());
    }

    #[test]
    fn petitions_move_only_along_the_transition_table() {
        use PetitionStatus::*;
        let allowed = [
            (Created, PendingConfirmation),
            (PendingConfirmation, PendingApproval),
            (PendingConfirmation, Approved),
            (PendingApproval, Approved),
            (Approved, Finalized),
        ];
        let ends = [Denied, Declined, Duplicate, Failed];
        for &from in PetitionStatus::ALL {
            for &to in PetitionStatus::ALL {
                let expected = allowed.contains(&(from, to))
                    || (ends.contains(&to)
                        && matches!(from, Created | PendingConfirmation | PendingApproval));
                assert_eq!(from.can_go(to), expected, "{from} -> {to}");
            }
        }
        for &end in &[Finalized, Denied, Declined, Duplicate, Failed] {
            assert!(end.is_final());
            assert!(PetitionStatus::ALL.iter().all(|&to| !end.can_go(to)));
        }
    }
}
