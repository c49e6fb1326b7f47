//! What the answers of a flow's sources mean for a petition, worked out without side effects: the
//! records to link, the history to write, and whether the petition may go on. Applied by `outcome`.

use serde_json::{Value, json};

use crate::model::enrollment_flows::SourceMode;
use crate::model::identity_sources::SourceRecord;

/// What one attached source answered to the petition's verified email.
#[derive(Debug, Clone)]
pub struct Queried {
    /// The source's id.
    pub source_id: String,
    /// Its name.
    pub source: String,
    /// How the flow uses it.
    pub mode: SourceMode,
    /// Whether the family name must match.
    pub verify_family_name: bool,
    /// The records with the email.
    pub records: Vec<SourceRecord>,
}

/// Whether the petition may go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every condition holds.
    Proceed,
    /// A required source did not match: denied automatically.
    Denied(String),
    /// No claimed source matched: the petition cannot go on.
    Failed(String),
}

/// The records to link, the history events, and the verdict.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// (source id, record) for each record to link to the petition.
    pub links: Vec<(String, SourceRecord)>,
    /// History events in order: (event, detail).
    pub events: Vec<(&'static str, Value)>,
    /// Whether the petition may go on.
    pub verdict: Verdict,
}

/// Whether two family names are the same, without regard to case and Unicode form
/// (`Müller` = `MÜLLER`).
pub fn same_family_name(a: &str, b: &str) -> bool {
    let (a, b) = (crate::text::fold(a.trim()), crate::text::fold(b.trim()));
    !a.is_empty() && a == b
}

/// Works out the outcome for a petition with this family name.
pub fn evaluate(family_name: Option<&str>, queried: &[Queried]) -> Outcome {
    let mut links = Vec::new();
    let mut events = Vec::new();
    let mut required_missing = Vec::new();
    let (mut claims, mut claimed) = (0, false);
    for q in queried {
        events.push((
            "source_queried",
            json!({"source": q.source, "mode": q.mode, "records": q.records.len()}),
        ));
        let kept: Vec<&SourceRecord> = if q.verify_family_name {
            name_checked(family_name, q, &mut events)
        } else {
            q.records.iter().collect()
        };
        match q.mode {
            SourceMode::SearchRequired if kept.is_empty() => {
                required_missing.push(q.source.clone());
                events.push((
                    "eligibility_failed",
                    json!({"source": q.source, "reason": "no matching record in a required source"}),
                ));
            }
            SourceMode::Claim => {
                claims += 1;
                claimed |= !kept.is_empty();
            }
            _ => {}
        }
        links.extend(kept.into_iter().map(|r| (q.source_id.clone(), r.clone())));
    }
    let verdict = if !required_missing.is_empty() {
        Verdict::Denied(format!(
            "no matching record in the required source(s) {}",
            required_missing.join(", ")
        ))
    } else if claims > 0 && !claimed {
        events.push((
            "eligibility_failed",
            json!({"reason": "no claimed source has a record with this email"}),
        ));
        Verdict::Failed("no claimed source has a record with this email".into())
    } else {
        Verdict::Proceed
    };
    Outcome {
        links,
        events,
        verdict,
    }
}

/// The records whose family name matches the petition's; each mismatch is recorded.
fn name_checked<'a>(
    family_name: Option<&str>,
    q: &'a Queried,
    events: &mut Vec<(&'static str, Value)>,
) -> Vec<&'a SourceRecord> {
    let mut kept = Vec::new();
    for record in &q.records {
        let matches = match (family_name, record.family_name.as_deref()) {
            (Some(ours), Some(theirs)) => same_family_name(ours, theirs),
            _ => false,
        };
        if matches {
            kept.push(record);
        } else {
            events.push((
                "eligibility_failed",
                json!({"source": q.source, "source_key": record.source_key,
                    "reason": "the family name does not match the source's"}),
            ));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(key: &str, family: &str) -> SourceRecord {
        SourceRecord {
            source_key: key.into(),
            given_name: Some("Anna".into()),
            family_name: Some(family.into()),
            emails: vec!["anna@example.org".into()],
            attributes: Default::default(),
        }
    }

    fn queried(mode: SourceMode, verify: bool, records: Vec<SourceRecord>) -> Queried {
        Queried {
            source_id: format!("id-{mode}"),
            source: format!("src-{mode}"),
            mode,
            verify_family_name: verify,
            records,
        }
    }

    #[test]
    fn family_names_compare_without_case_or_unicode_form() {
        assert!(same_family_name("Müller", "MÜLLER"));
        assert!(same_family_name("Mu\u{308}ller", "müller"));
        assert!(same_family_name(" Müller ", "müller"));
        assert!(!same_family_name("Muller", "Müller"));
        assert!(!same_family_name("", ""));
    }

    #[test]
    fn a_required_source_without_a_matching_name_denies_and_search_skips_the_link() {
        let both = [
            queried(SourceMode::Search, true, vec![record("a", "Schmidt")]),
            queried(
                SourceMode::SearchRequired,
                true,
                vec![record("b", "MÜLLER")],
            ),
        ];
        let outcome = evaluate(Some("Müller"), &both);
        assert_eq!(outcome.verdict, Verdict::Proceed);
        assert_eq!(outcome.links.len(), 1);
        assert_eq!(outcome.links[0].1.source_key, "b");
        let denied = evaluate(Some("Meier"), &both);
        assert!(matches!(denied.verdict, Verdict::Denied(_)));
        assert!(denied.links.is_empty());
        let failures = denied
            .events
            .iter()
            .filter(|(e, _)| *e == "eligibility_failed");
        assert_eq!(failures.count(), 3);
    }

    #[test]
    fn a_claim_needs_some_match_and_none_mode_is_never_consulted_here() {
        let claim = [queried(SourceMode::Claim, false, vec![])];
        assert!(matches!(evaluate(None, &claim).verdict, Verdict::Failed(_)));
        let matched = [queried(SourceMode::Claim, false, vec![record("c", "X")])];
        let outcome = evaluate(None, &matched);
        assert_eq!(outcome.verdict, Verdict::Proceed);
        assert_eq!(outcome.links.len(), 1);
    }
}
