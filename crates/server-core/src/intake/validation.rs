//! A public report's fields, checked: each problem said per field (the public pages put it in
//! the citizen's words), or the input the intake desk files, with what the public face always
//! decides (a title from the account, the identity sealed, consent as the one box says).

use citizens_core::capture::GrievanceInput;
use citizens_core::geo::{self, Lga};
use citizens_core::grievance::{Channel, Kind};
use citizens_core::phone::Phone;
use citizens_core::taxonomy;
use citizens_core::text::refuse_controls;

/// Most characters of what happened, from any channel.
pub const MAX_NARRATIVE: usize = 5_000;
/// Most characters of a reporter's name.
pub const MAX_NAME: usize = 100;

/// What is wrong with a report, said per field (the public pages say it in the citizen's
/// language; the English here is for logs and Open311 clients).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// No such kind.
    #[error("choose what kind of report this is")]
    Kind,
    /// No such category.
    #[error("choose what the report is about")]
    Category,
    /// No such state.
    #[error("choose the state")]
    State,
    /// No such LGA in the state.
    #[error("choose the local government area in that state")]
    Lga,
    /// Nothing said.
    #[error("say what happened")]
    NarrativeMissing,
    /// Too long.
    #[error("what happened is longer than 5,000 characters")]
    NarrativeTooLong,
    /// What happened holds a control character (text pasted from elsewhere can).
    #[error("what happened holds an invisible control character: type it again without it")]
    NarrativeControls,
    /// Too long a name.
    #[error("the name is longer than 100 characters")]
    NameTooLong,
    /// The name holds a control character.
    #[error("the name holds an invisible control character: type it again without it")]
    NameControls,
    /// Not a Nigerian phone number.
    #[error("the phone number is not a Nigerian number like 0803 123 4567")]
    Phone,
    /// Anonymous, yet with a name or phone.
    #[error("an anonymous report has no name or phone: remove them or untick anonymous")]
    Anonymous,
    /// A name or phone without consent.
    #[error("tick the consent box to give your name or phone, or leave them empty")]
    Consent,
}

impl Problem {
    /// Every problem, in the form's order.
    pub const ALL: [Problem; 12] = [
        Problem::Kind,
        Problem::Category,
        Problem::State,
        Problem::Lga,
        Problem::NarrativeMissing,
        Problem::NarrativeTooLong,
        Problem::NarrativeControls,
        Problem::NameTooLong,
        Problem::NameControls,
        Problem::Phone,
        Problem::Anonymous,
        Problem::Consent,
    ];

    /// The field it is about.
    pub fn field(self) -> &'static str {
        match self {
            Problem::Kind => "kind",
            Problem::Category => "category",
            Problem::State => "state",
            Problem::Lga => "lga",
            Problem::NarrativeMissing | Problem::NarrativeTooLong | Problem::NarrativeControls => {
                "narrative"
            }
            Problem::NameTooLong | Problem::NameControls | Problem::Anonymous => "name",
            Problem::Phone => "phone",
            Problem::Consent => "consent",
        }
    }
}

/// A short title from what was said: its first line, cut at a word near 80 characters.
pub(super) fn title_of(text: &str) -> String {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let first = first.trim();
    if first.chars().count() <= 80 {
        return first.to_string();
    }
    let cut: String = first.chars().take(80).collect();
    let at = cut.rfind(' ').filter(|at| *at > 40).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// What is wrong with a citizen's account (trimmed) of what happened, if anything.
pub(super) fn account_problem(text: &str) -> Option<Problem> {
    if text.is_empty() {
        Some(Problem::NarrativeMissing)
    } else if text.chars().count() > MAX_NARRATIVE {
        Some(Problem::NarrativeTooLong)
    } else if refuse_controls("narrative", text, true).is_err() {
        Some(Problem::NarrativeControls)
    } else {
        None
    }
}

/// Every problem of a report, in the form's order (empty: it can be filed).
pub fn problems(report: &GrievanceInput) -> Vec<Problem> {
    check(report).err().unwrap_or_default()
}

/// A report as the citizen typed it: kind, category, state, LGA, what happened, a name and a
/// phone if they give them, anonymous, and the one consent box
/// ([`GrievanceInput::consent_purpose_explained`]). Checked into the input the desk files, or
/// every problem it has.
pub(super) fn check(report: &GrievanceInput) -> std::result::Result<GrievanceInput, Vec<Problem>> {
    let mut problems = Vec::new();
    if !report.kind.trim().is_empty() && Kind::parse(report.kind.trim()).is_err() {
        problems.push(Problem::Kind);
    }
    if taxonomy::check(report.category.trim(), None).is_err() {
        problems.push(Problem::Category);
    }
    if geo::state(&report.state).is_err() {
        problems.push(Problem::State);
    } else if Lga::parse(&report.state, &report.lga).is_err() {
        problems.push(Problem::Lga);
    }
    let narrative = report.narrative.trim();
    problems.extend(account_problem(narrative));
    let given = |field: &Option<String>| {
        field
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    let name = given(&report.reporter_name);
    if name.as_ref().is_some_and(|n| n.chars().count() > MAX_NAME) {
        problems.push(Problem::NameTooLong);
    } else if name
        .as_ref()
        .is_some_and(|n| refuse_controls("name", n, false).is_err())
    {
        problems.push(Problem::NameControls);
    }
    let phone = given(&report.reporter_phone);
    if phone.as_ref().is_some_and(|p| Phone::parse(p).is_err()) {
        problems.push(Problem::Phone);
    }
    let identified = name.is_some() || phone.is_some();
    let consent = report.consent_purpose_explained;
    if report.anonymous && identified {
        problems.push(Problem::Anonymous);
    } else if identified && !consent {
        problems.push(Problem::Consent);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(GrievanceInput {
        kind: report.kind.trim().to_string(),
        category: report.category.trim().to_string(),
        state: report.state.clone(),
        lga: report.lga.clone(),
        title: title_of(narrative),
        narrative: narrative.to_string(),
        channel: Some(Channel::Web.as_str().to_string()),
        reporter_name: name,
        reporter_phone: phone,
        anonymous: report.anonymous,
        // The server never keeps a name or phone in plaintext.
        seal_identity: true,
        consent_purpose_explained: consent,
        consent_share_with_agency: consent,
        consent_may_contact: consent,
        ..GrievanceInput::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report that can be filed: a complaint in Kano, nobody named.
    fn good() -> GrievanceInput {
        GrievanceInput {
            kind: String::new(),
            category: "water".into(),
            state: "KN".into(),
            lga: "Fagge".into(),
            narrative: "They asked for money to print my passport.".into(),
            ..GrievanceInput::default()
        }
    }

    fn only(change: impl FnOnce(&mut GrievanceInput)) -> Vec<Problem> {
        let mut report = good();
        change(&mut report);
        problems(&report)
    }

    #[test]
    fn a_good_report_is_a_web_input_sealing_what_names_its_sender() {
        let filed = check(&good()).expect("files");
        assert_eq!(filed.channel.as_deref(), Some("web"));
        assert!(filed.seal_identity);
        assert_eq!(filed.title, "They asked for money to print my passport.");
        assert!(!filed.consent_may_contact);
        let named = GrievanceInput {
            reporter_name: Some(" Amina ".into()),
            reporter_phone: Some("0803 123 4567".into()),
            consent_purpose_explained: true,
            ..good()
        };
        let filed = check(&named).expect("files");
        assert_eq!(filed.reporter_name.as_deref(), Some("Amina"));
        assert_eq!(filed.reporter_phone.as_deref(), Some("0803 123 4567"));
        assert!(
            filed.seal_identity && filed.consent_may_contact && filed.consent_share_with_agency
        );
    }

    #[test]
    fn each_field_is_refused_with_exactly_its_problem() {
        assert_eq!(only(|r| r.kind = "praise".into()), [Problem::Kind]);
        assert_eq!(only(|r| r.category = "weather".into()), [Problem::Category]);
        assert_eq!(only(|r| r.state = "Atlantis".into()), [Problem::State]);
        assert_eq!(only(|r| r.lga = "Ikeja".into()), [Problem::Lga]);
        assert_eq!(
            only(|r| r.narrative = "  \n ".into()),
            [Problem::NarrativeMissing]
        );
        assert_eq!(
            only(|r| r.narrative = "a".repeat(MAX_NARRATIVE + 1)),
            [Problem::NarrativeTooLong]
        );
        assert!(only(|r| r.narrative = "a".repeat(MAX_NARRATIVE)).is_empty());
        assert_eq!(
            only(|r| r.narrative = "paid\u{7}twice".into()),
            [Problem::NarrativeControls]
        );
        let named = |r: &mut GrievanceInput| r.consent_purpose_explained = true;
        assert_eq!(
            only(|r| {
                named(r);
                r.reporter_name = Some("a".repeat(MAX_NAME + 1));
            }),
            [Problem::NameTooLong]
        );
        assert_eq!(
            only(|r| {
                named(r);
                r.reporter_name = Some("Amina\u{1b}[2J".into());
            }),
            [Problem::NameControls]
        );
        assert_eq!(
            only(|r| {
                named(r);
                r.reporter_phone = Some("12345".into());
            }),
            [Problem::Phone]
        );
        assert_eq!(
            only(|r| {
                named(r);
                r.anonymous = true;
                r.reporter_phone = Some("0803 123 4567".into());
            }),
            [Problem::Anonymous]
        );
        assert_eq!(
            only(|r| r.reporter_name = Some("Amina".into())),
            [Problem::Consent]
        );
        // An empty name or phone names nobody: no consent needed.
        assert!(only(|r| {
            r.reporter_name = Some("  ".into());
            r.reporter_phone = Some(String::new());
        })
        .is_empty());
    }

    #[test]
    fn every_problem_is_listed_in_the_forms_order_under_its_field() {
        let report = GrievanceInput {
            kind: "praise".into(),
            category: "weather".into(),
            state: "Atlantis".into(),
            narrative: String::new(),
            reporter_name: Some("Amina".into()),
            ..GrievanceInput::default()
        };
        assert_eq!(
            problems(&report),
            [
                Problem::Kind,
                Problem::Category,
                Problem::State,
                Problem::NarrativeMissing,
                Problem::Consent
            ]
        );
        let fields: Vec<&str> = Problem::ALL.iter().map(|p| p.field()).collect();
        assert_eq!(
            fields,
            [
                "kind",
                "category",
                "state",
                "lga",
                "narrative",
                "narrative",
                "narrative",
                "name",
                "name",
                "phone",
                "name",
                "consent"
            ]
        );
    }

    #[test]
    fn a_title_is_the_first_line_cut_at_a_word() {
        assert_eq!(title_of("\n  Short one \nmore"), "Short one");
        let long = "word ".repeat(30);
        let title = title_of(&long);
        assert!(
            title.ends_with('…') && title.chars().count() <= 81,
            "{title}"
        );
        assert!(!title.contains("wo…"), "{title}");
    }
}
