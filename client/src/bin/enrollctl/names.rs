//! Cmdlet names: `Verb-Noun` from each operationId, with PowerShell's approved verbs.
//!
//! | operationId starts with | verb |
//! | --- | --- |
//! | `list_`, `get_` | `Get` |
//! | `create_` | `New` (`Add` for sessions and enrollments, `Start` for identity verifications) |
//! | `update_` | `Set` |
//! | `delete_`, `remove_` | `Remove` |
//! | `send_`, `resend_` | `Send` |
//! | `import_` | `Import` |
//! | report (`get_provisioning_report`) | `Export` |
//! | `verify_`, `confirm_` | `Confirm` |
//! | `start_`, `complete_`, `register_` | `Start`, `Complete`, `Register` |
//! | `preview_` | `Show` |
//! | `test_` | `Test` |
//! | `approve_`; `deny_`, `decline_` | `Approve`; `Deny` |
//! | `refresh_` | `Update` |
//! | `view_` | `Get` |
//!
//! The noun is the rest of the operationId in PascalCase and singular. A `list_x` and a `get_x` share
//! one command (`Get-User` lists users, `Get-User -Identity bob` gets one), as PowerShell's do.

use crate::spec::Operation;

const VERBS: &[(&str, &str)] = &[
    ("list", "Get"),
    ("get", "Get"),
    ("create", "New"),
    ("update", "Set"),
    ("delete", "Remove"),
    ("remove", "Remove"),
    ("send", "Send"),
    ("resend", "Send"),
    ("import", "Import"),
    ("verify", "Confirm"),
    ("confirm", "Confirm"),
    ("start", "Start"),
    ("complete", "Complete"),
    ("register", "Register"),
    ("preview", "Show"),
    ("test", "Test"),
    ("approve", "Approve"),
    ("deny", "Deny"),
    ("decline", "Deny"),
    ("refresh", "Update"),
    ("view", "Get"),
];

/// Where the rule above does not give the name users know (Specops' `Add-…Session`, for example).
const RENAMED: &[(&str, &str)] = &[
    ("create_registration_session", "Add-RegistrationSession"),
    ("create_enrollment_batch", "Add-Enrollment"),
    ("create_identity_verification", "Start-IdentityVerification"),
    ("get_provisioning_report", "Export-ProvisioningReport"),
    ("get_openapi_document", "Get-OpenApiDocument"),
];

/// The cmdlet name of an operation.
pub fn cmdlet(operation_id: &str) -> String {
    if let Some((_, name)) = RENAMED.iter().find(|(id, _)| *id == operation_id) {
        return (*name).to_owned();
    }
    let (first, rest) = operation_id
        .split_once('_')
        .unwrap_or(("invoke", operation_id));
    let verb = VERBS
        .iter()
        .find(|(w, _)| *w == first)
        .map_or("Invoke", |(_, v)| v);
    format!("{verb}-{}", pascal(rest, true))
}

/// `registration_sessions` → `RegistrationSession` (the last word singular when asked).
fn pascal(words: &str, singular_last: bool) -> String {
    let words: Vec<&str> = words.split('_').collect();
    let mut noun = String::new();
    for (i, word) in words.iter().enumerate() {
        let word = match i + 1 == words.len() && singular_last {
            true => singular(word),
            false => (*word).to_owned(),
        };
        let mut chars = word.chars();
        if let Some(c) = chars.next() {
            noun.push(c.to_ascii_uppercase());
            noun.push_str(chars.as_str());
        }
    }
    noun
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with("ss") || word.ends_with("us") || !word.ends_with('s') {
        return word.to_owned();
    }
    word[..word.len() - 1].to_owned()
}

/// One command: one operation, or a `list_`/`get_` pair under one name.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    /// The operation that gets one object (`get_user`), or the only operation.
    pub one: Operation,
    /// The operation that lists (`list_users`) when the name has both.
    pub list: Option<Operation>,
}

impl Entry {
    pub fn operations(&self) -> impl Iterator<Item = &Operation> {
        std::iter::once(&self.one).chain(self.list.as_ref())
    }
}

/// The commands, one per name, in document order.
pub fn entries(operations: Vec<Operation>) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for op in operations {
        let name = cmdlet(&op.id);
        match entries.iter_mut().find(|e| e.name == name) {
            Some(entry) if op.id.starts_with("list_") && entry.list.is_none() => {
                entry.list = Some(op)
            }
            Some(entry) if entry.one.id.starts_with("list_") && entry.list.is_none() => {
                entry.list = Some(std::mem::replace(&mut entry.one, op))
            }
            // Two operations the rule names alike, and not a list and a get: the second one keeps its
            // whole operationId (a test keeps this from happening unnoticed).
            Some(_) => entries.push(Entry {
                name: format!("Invoke-{}", pascal(&op.id, false)),
                one: op,
                list: None,
            }),
            None => entries.push(Entry {
                name,
                one: op,
                list: None,
            }),
        }
    }
    entries
}

/// Lower case without `-` and `_`: how command and parameter names are compared, so `get-user`,
/// `Get-User`, `get_user` and `GetUser` are one name.
pub fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_verb_table() {
        let cases = [
            ("list_users", "Get-User"),
            ("create_user", "New-User"),
            ("import_users", "Import-User"),
            ("list_enrollments", "Get-Enrollment"),
            ("delete_enrollment", "Remove-Enrollment"),
            ("create_registration_session", "Add-RegistrationSession"),
            (
                "send_registration_session_notifications",
                "Send-RegistrationSessionNotification",
            ),
            (
                "remove_provisioning_task_users",
                "Remove-ProvisioningTaskUser",
            ),
            ("resend_provisioning_task", "Send-ProvisioningTask"),
            ("update_provisioning_task", "Set-ProvisioningTask"),
            ("verify_enrollment_challenge", "Confirm-EnrollmentChallenge"),
            (
                "get_identity_verification_status",
                "Get-IdentityVerificationStatus",
            ),
            ("list_audit_events", "Get-AuditEvent"),
            ("create_enrollment_batch", "Add-Enrollment"),
            ("create_identity_verification", "Start-IdentityVerification"),
            (
                "confirm_identity_verification",
                "Confirm-IdentityVerification",
            ),
            ("create_enrollment_challenge", "New-EnrollmentChallenge"),
            ("list_registration_sessions", "Get-RegistrationSession"),
            ("delete_registration_session", "Remove-RegistrationSession"),
            ("create_provisioning_task", "New-ProvisioningTask"),
            ("get_provisioning_task", "Get-ProvisioningTask"),
            ("delete_provisioning_task", "Remove-ProvisioningTask"),
            ("get_provisioning_report", "Export-ProvisioningReport"),
        ];
        for (id, name) in cases {
            assert_eq!(cmdlet(id), name, "{id}");
        }
    }

    #[test]
    fn every_operation_has_one_command_and_lists_share_with_gets() {
        let entries = entries(crate::spec::operations());
        let mut names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), entries.len());
        let user = entries.iter().find(|e| e.name == "Get-User");
        let ids = user.map(|e| e.operations().map(|o| o.id.clone()).collect::<Vec<_>>());
        assert_eq!(
            ids,
            Some(vec!["get_user".to_owned(), "list_users".to_owned()])
        );
        let count: usize = entries.iter().map(|e| e.operations().count()).sum();
        assert_eq!(count, crate::spec::operations().len());
    }
}
