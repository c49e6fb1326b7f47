//! Snapshots of every shipped template as the user receives it (subject, text and HTML of an email;
//! the text, encoding and parts of an SMS), rendered with the fixed sample values. A template change
//! shows up as a snapshot diff to review (`cargo insta review`, or `INSTA_UPDATE=always` and `git
//! diff`); CI fails on an unreviewed change.

use super::{render, sample_values, sms_length, specs};

/// What the user sees of one message.
fn as_received(spec: &super::TemplateSpec) -> String {
    let content = render(&spec.default_parts(), &sample_values());
    let mut out = format!("{} / {} / {}\n\n", spec.service, spec.channel, spec.event);
    if let Some(subject) = &content.subject {
        out.push_str(&format!("Subject: {subject}\n\n"));
    }
    out.push_str("--- text ---\n");
    out.push_str(&content.text);
    if let Some(html) = &content.html {
        out.push_str("\n--- html ---\n");
        out.push_str(html);
    }
    if spec.channel == "sms" {
        let length = sms_length(&content.text);
        out.push_str(&format!(
            "\n--- sms ---\n{} units of {}, {} part(s)",
            length.units, length.encoding, length.segments
        ));
    }
    out
}

#[test]
fn every_shipped_template_as_the_user_receives_it() {
    let mut names = Vec::new();
    for spec in specs() {
        let name = format!("{}__{}__{}", spec.service, spec.channel, spec.event);
        insta::assert_snapshot!(name.clone(), as_received(spec));
        names.push(name);
    }
    assert_eq!(
        names.len(),
        21,
        "a new template needs its snapshot reviewed"
    );
}
