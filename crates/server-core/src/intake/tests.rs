//! The public face's use cases over the in-memory database: a web report filed once with a
//! receipt that opens it, the rate limit, and messages from SMS providers (a case, its
//! follow-ups within a day, a provider's resend, text that would act on a screen).

use citizens_core::capture::GrievanceInput;
use citizens_core::clock::Day;
use citizens_core::geo::Lga;
use citizens_core::grievance::{Channel, Event, Grievance, Intake};
use citizens_core::identity::ReporterIdentity;
use citizens_core::lifecycle::Status;
use citizens_protocol::ErrorCode;
use uuid::Uuid;

use super::{
    Delivered, Filed, Message, NotAdded, Problem, Public, Refused, Tracked, FOLLOW_UP_MS,
    INTAKE_PERSON, MAX_DESK_NOTES, MAX_NARRATIVE, PIN_CHARS,
};
use crate::memory::{org_secret, Fixture, ORG};
use crate::{records, Error};

const CLIENT: &str = "192.0.2.10";
const SENDER: &str = "+2348035550101";

fn public() -> Public {
    Public::new(ORG, Lga::parse("KN", "Nasarawa").expect("an LGA"))
}

/// The one place a report is built: a complaint about water in Fagge, Kano, nobody named.
fn form(narrative: &str) -> GrievanceInput {
    GrievanceInput {
        category: "water".into(),
        state: "KN".into(),
        lga: "Fagge".into(),
        narrative: narrative.into(),
        ..GrievanceInput::default()
    }
}

/// A web report from `client` with the form `submission`.
fn report(f: &Fixture, client: &str, submission: &str, narrative: &str) -> Result<Filed, Refused> {
    f.core
        .report(client, submission, Intake::Web, &form(narrative))
}

/// An SMS from [`SENDER`] through Africa's Talking.
fn sms<'a>(id: &'a str, text: &'a str) -> Message<'a> {
    Message {
        provider: "africastalking",
        id,
        from: SENDER,
        text,
        intake: Intake::Sms,
    }
}

/// The case as the organisation holds it.
fn case(f: &Fixture, id: Uuid) -> Grievance {
    let org_id = f.coordinator.org_id;
    f.core
        .write(|tx| records::org_record::<Grievance>(tx, org_id, id))
        .expect("read")
        .expect("a case")
}

/// The notes of a case's timeline.
fn notes(case: &Grievance) -> Vec<(String, String)> {
    case.timeline
        .iter()
        .filter_map(|e| match &e.event {
            Event::Note { text } => Some((e.by.user.clone(), text.clone())),
            _ => None,
        })
        .collect()
}

fn refused_by_server(result: Result<Filed, Refused>) -> (ErrorCode, String) {
    match result {
        Err(Refused::Server(Error::Refused { code, message })) => (code, message),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_web_report_files_one_case_with_a_receipt_whose_pin_opens_it() {
    let f = Fixture::new(Some(public()));
    let filed = report(&f, CLIENT, "form-1", "No water in Fagge for a week");
    let Ok(Filed::New(receipt)) = filed else {
        panic!("{filed:?}");
    };
    let cases = f.db.cases();
    assert_eq!(cases.len(), 1);
    let filed = case(&f, cases[0]);
    assert_eq!(filed.reference, receipt.reference);
    assert!(
        receipt.reference.starts_with("KN-"),
        "{}",
        receipt.reference
    );
    assert_eq!(receipt.pin.chars().count(), PIN_CHARS);
    assert_eq!(
        (filed.intake, filed.channel, filed.status().current),
        (Some(Intake::Web), Channel::Web, Status::New)
    );
    assert_eq!(filed.narrative, "No water in Fagge for a week");
    assert_eq!(filed.created_by.user, INTAKE_PERSON);
    let day = Day::parse("day", "2026-11-28").expect("a day");
    let tracked = f
        .core
        .track(CLIENT, &receipt.reference, &receipt.pin)
        .expect("tracked");
    assert_eq!(
        tracked,
        Some(Tracked {
            reference: receipt.reference.clone(),
            status: Status::New,
            category: "water".into(),
            joined: false,
            agency: None,
            office: None,
            received: day,
            updated: day,
            due: None,
            questions: Vec::new(),
        })
    );
    let typed = f
        .core
        .track(
            CLIENT,
            &format!(" {} ", receipt.reference.to_lowercase()),
            &receipt.pin.to_lowercase(),
        )
        .expect("tracked");
    assert_eq!(typed, tracked, "as typed on a phone");
    let wrong = if receipt.pin.starts_with('A') {
        "B"
    } else {
        "A"
    };
    let wrong = format!("{wrong}{}", &receipt.pin[1..]);
    assert_eq!(
        f.core
            .track(CLIENT, &receipt.reference, &wrong)
            .expect("answered"),
        None
    );
}

#[test]
fn the_same_form_sent_twice_files_one_case() {
    let f = Fixture::new(Some(public()));
    let first = report(&f, CLIENT, "form-1", "No water in Fagge for a week");
    let Ok(Filed::New(first)) = first else {
        panic!("{first:?}");
    };
    for narrative in ["No water in Fagge for a week", "Changed words, same form"] {
        let again = report(&f, CLIENT, "form-1", narrative).expect("answered");
        assert_eq!(again, Filed::Again, "no receipt shown again");
    }
    assert_eq!(f.db.cases().len(), 1);
    let other = report(&f, CLIENT, "form-2", "No water in Fagge for a week");
    let Ok(Filed::New(other)) = other else {
        panic!("{other:?}");
    };
    assert_ne!(other.reference, first.reference);
    assert_eq!(f.db.cases().len(), 2);
}

#[test]
fn the_rate_limit_refuses_the_next_report_from_one_client_and_files_nothing() {
    let f = Fixture::new(Some(Public {
        reports_per_hour: 3,
        ..public()
    }));
    for n in 1..=3 {
        let filed = report(&f, CLIENT, &format!("form-{n}"), "No water in Fagge");
        assert!(matches!(filed, Ok(Filed::New(_))), "{n}: {filed:?}");
    }
    let limited = (
        ErrorCode::RateLimited,
        "too many reports have come from here this hour: try again later".to_string(),
    );
    assert_eq!(
        refused_by_server(report(&f, CLIENT, "form-4", "No water in Fagge")),
        limited
    );
    assert_eq!(f.db.cases().len(), 3, "the refused report filed nothing");
    // A form already filed, sent again at the limit (a double click, a reload), is answered
    // as filed, not refused, and takes no attempt.
    let again = report(&f, CLIENT, "form-3", "No water in Fagge");
    assert!(matches!(again, Ok(Filed::Again)), "{again:?}");
    let elsewhere = report(&f, "192.0.2.11", "form-5", "No water in Fagge");
    assert!(matches!(elsewhere, Ok(Filed::New(_))), "another client");
    f.clock.advance(59 * 60_000);
    assert_eq!(
        refused_by_server(report(&f, CLIENT, "form-4", "No water in Fagge")),
        limited,
        "the window slides: the first three are an hour old only in a minute"
    );
    f.clock.advance(60_000);
    let later = report(&f, CLIENT, "form-4", "No water in Fagge");
    assert!(
        matches!(later, Ok(Filed::New(_))),
        "refused attempts were not counted, and the refused form was not claimed: {later:?}"
    );
    assert_eq!(f.db.cases().len(), 5);
}

#[test]
fn a_report_with_problems_is_refused_per_field_and_counts_for_nothing() {
    let f = Fixture::new(Some(Public {
        reports_per_hour: 1,
        ..public()
    }));
    match report(&f, CLIENT, "form-1", "  ") {
        Err(Refused::Problems(problems)) => assert_eq!(problems, [Problem::NarrativeMissing]),
        other => panic!("{other:?}"),
    }
    assert!(f.db.cases().is_empty());
    let filed = report(&f, CLIENT, "form-1", "No water in Fagge");
    assert!(
        matches!(filed, Ok(Filed::New(_))),
        "the refused form took no attempt and no claim: {filed:?}"
    );
}

#[test]
fn a_server_without_its_public_organisation_files_nothing() {
    let f = Fixture::new(None);
    assert_eq!(
        refused_by_server(report(&f, CLIENT, "form-1", "No water")),
        (
            ErrorCode::UnknownOrg,
            "this server takes no reports from the public (no public organisation is set)".into()
        )
    );
    let f = Fixture::new(Some(Public::new("Abuja Budget Watch", public().home)));
    assert_eq!(
        refused_by_server(report(&f, CLIENT, "form-1", "No water")),
        (
            ErrorCode::UnknownOrg,
            "the public organisation 'Abuja Budget Watch' is not known here yet: enrol its first coordinator".into()
        )
    );
    assert!(f.db.cases().is_empty());
}

#[test]
fn a_message_files_a_case_and_the_next_within_a_day_follows_it_up() {
    let f = Fixture::new(Some(public()));
    let first = f
        .core
        .message(&sms("ATXid_1", "No water in Fagge, Kano since Monday"))
        .expect("answered");
    let Delivered::New(receipt) = first else {
        panic!("{first:?}");
    };
    let cases = f.db.cases();
    assert_eq!(cases.len(), 1);
    let filed = case(&f, cases[0]);
    assert_eq!(
        (filed.intake, filed.channel, filed.reference.as_str()),
        (Some(Intake::Sms), Channel::Sms, receipt.reference.as_str())
    );
    assert_eq!(
        (filed.place.state.as_str(), filed.place.lga.as_str()),
        ("KN", "Fagge"),
        "the place the message names"
    );
    assert!(filed.consent.may_contact, "writing in asks for an answer");
    assert_eq!(filed.reporter.phone, None, "never kept in plaintext");
    let sealed = filed.reporter.sealed.as_deref().expect("sealed");
    assert_eq!(
        org_secret(1)
            .open(sealed)
            .expect("the organisation opens it"),
        ReporterIdentity {
            name: None,
            phone: Some(SENDER.into()),
        }
    );

    f.clock.advance(10 * 60_000);
    let second = f
        .core
        .message(&sms("ATXid_2", "Still no water today"))
        .expect("answered");
    assert_eq!(second, Delivered::FollowUp(receipt.clone()));
    assert_eq!(f.db.cases(), cases, "no new case");
    assert_eq!(
        notes(&case(&f, cases[0])),
        [(
            INTAKE_PERSON.to_string(),
            "Follow-up by sms: Still no water today".to_string()
        )]
    );

    f.clock.advance(FOLLOW_UP_MS + 1);
    let next_day = f
        .core
        .message(&sms("ATXid_3", "The tap in Fagge is dry again"))
        .expect("answered");
    let Delivered::New(other) = next_day else {
        panic!("a day after the last message, a new case: {next_day:?}");
    };
    assert_ne!(other.reference, receipt.reference);
    assert_eq!(f.db.cases().len(), 2);
}

#[test]
fn a_message_the_provider_sends_again_is_taken_once() {
    let f = Fixture::new(Some(public()));
    let first = f
        .core
        .message(&sms("ATXid_1", "No water in Fagge"))
        .expect("answered");
    assert!(matches!(first, Delivered::New(_)), "{first:?}");
    f.clock.advance(60_000);
    for text in ["No water in Fagge", "Other words under the same id"] {
        let again = f.core.message(&sms("ATXid_1", text)).expect("answered");
        assert_eq!(again, Delivered::Again, "no receipt given again");
    }
    let cases = f.db.cases();
    assert_eq!(cases.len(), 1);
    assert!(notes(&case(&f, cases[0])).is_empty(), "no follow-up either");
    let twilio = Message {
        provider: "twilio",
        ..sms("ATXid_1", "Sent through the other provider")
    };
    let other = f.core.message(&twilio).expect("answered");
    assert!(
        matches!(other, Delivered::FollowUp(_)),
        "an id is its provider's own: {other:?}"
    );
}

#[test]
fn a_message_holding_control_characters_is_unreadable_and_stores_nothing() {
    let f = Fixture::new(Some(public()));
    for text in ["No water\u{1b}[2J in Fagge", "No water\u{7}", "tab\there"] {
        let refused = f.core.message(&sms("ATXid_1", text)).expect("answered");
        assert_eq!(refused, Delivered::Unreadable, "{text:?}");
    }
    assert!(f.db.cases().is_empty());
    let plain = f
        .core
        .message(&sms("ATXid_1", "No water in Fagge\nsince Monday"))
        .expect("answered");
    assert!(
        matches!(plain, Delivered::New(_)),
        "the unreadable message claimed nothing; a line break is text: {plain:?}"
    );
}

#[test]
fn a_message_with_nothing_to_file_is_ignored() {
    let f = Fixture::new(Some(public()));
    let long = "x".repeat(201);
    let ignored = [
        Message {
            from: "12345",
            ..sms("ATXid_1", "No water")
        },
        sms("ATXid_2", "   "),
        sms("  ", "No water"),
        sms(&long, "No water"),
    ];
    for message in &ignored {
        let answer = f.core.message(message).expect("answered");
        assert_eq!(answer, Delivered::Ignored, "{message:?}");
    }
    assert!(f.db.cases().is_empty());
}

#[test]
fn messages_over_the_hourly_limit_of_one_sender_are_dropped() {
    let f = Fixture::new(Some(Public {
        messages_per_hour: 2,
        ..public()
    }));
    let first = f
        .core
        .message(&sms("ATXid_1", "No water"))
        .expect("answered");
    assert!(matches!(first, Delivered::New(_)), "{first:?}");
    let second = f
        .core
        .message(&sms("ATXid_2", "Still none"))
        .expect("answered");
    assert!(matches!(second, Delivered::FollowUp(_)), "{second:?}");
    let third = f.core.message(&sms("ATXid_3", "Please")).expect("answered");
    assert_eq!(third, Delivered::Ignored);
    let cases = f.db.cases();
    assert_eq!(notes(&case(&f, cases[0])).len(), 1, "the third dropped");
    assert_eq!(
        f.core.message(&sms("ATXid_3", "Please")).expect("answered"),
        Delivered::Again,
        "a dropped message is answered, so its resend is not taken later"
    );
}

#[test]
fn a_citizen_adds_to_their_report_with_its_whole_receipt_only() {
    let f = Fixture::new(Some(Public {
        tracks_per_hour: 1_000,
        ..public()
    }));
    let Ok(Filed::New(receipt)) = report(&f, CLIENT, "form-1", "No water in Fagge") else {
        panic!("filed");
    };
    let id = f.db.cases()[0];
    let whole = (receipt.reference.as_str(), receipt.pin.as_str());
    let (tracked, refused) = f
        .core
        .add(
            CLIENT,
            whole,
            "  The tap by the mosque is dry too.\nSince Monday.  ",
        )
        .expect("answered")
        .expect("the receipt opens it");
    assert_eq!((tracked.reference.as_str(), refused), (whole.0, None));
    assert_eq!(
        notes(&case(&f, id)),
        [(
            INTAKE_PERSON.to_string(),
            "Follow-up by web: The tap by the mosque is dry too.\nSince Monday.".to_string()
        )]
    );
    // A wrong PIN adds nothing and says only "not found", whatever the words.
    let wrong = if receipt.pin.starts_with('A') {
        "B"
    } else {
        "A"
    };
    let wrong = format!("{wrong}{}", &receipt.pin[1..]);
    for text in ["More words", "", "bell\u{7}"] {
        assert_eq!(
            f.core
                .add(CLIENT, (&receipt.reference, &wrong), text)
                .expect("answered"),
            None
        );
    }
    // With the receipt, words that cannot be kept are refused with their problem.
    for (text, problem) in [
        ("   ", Problem::NarrativeMissing),
        ("clear\u{1b}[2J", Problem::NarrativeControls),
    ] {
        let (_, refused) = f
            .core
            .add(CLIENT, whole, text)
            .expect("answered")
            .expect("opened");
        assert_eq!(refused, Some(NotAdded::Problem(problem)));
    }
    let long = "a".repeat(MAX_NARRATIVE + 1);
    let (_, refused) = f
        .core
        .add(CLIENT, whole, &long)
        .expect("answered")
        .expect("opened");
    assert_eq!(refused, Some(NotAdded::Problem(Problem::NarrativeTooLong)));
    assert_eq!(notes(&case(&f, id)).len(), 1, "nothing refused was added");
    // A case holds at most MAX_DESK_NOTES of the public's additions.
    for n in 1..MAX_DESK_NOTES {
        let (_, refused) = f
            .core
            .add(CLIENT, whole, &format!("note {n}"))
            .expect("answered")
            .expect("opened");
        assert_eq!(refused, None, "{n}");
    }
    let (_, refused) = f
        .core
        .add(CLIENT, whole, "one more")
        .expect("answered")
        .expect("opened");
    assert_eq!(refused, Some(NotAdded::Full));
    assert_eq!(notes(&case(&f, id)).len(), MAX_DESK_NOTES);
}

#[test]
fn a_web_reporter_who_asks_to_hear_back_is_kept_only_with_a_phone() {
    use super::UpdatesTo;
    let f = Fixture::new(Some(public()));
    let to = UpdatesTo {
        provider: "africastalking",
        lang: "ha",
    };
    let input = |phone: Option<&str>, anonymous: bool| GrievanceInput {
        reporter_phone: phone.map(str::to_string),
        anonymous,
        consent_purpose_explained: true,
        ..form("Babu ruwa a Fagge tun mako guda")
    };
    let file = |submission: &str, phone: Option<&str>, updates| {
        let receipt = match f.core.report_to(
            CLIENT,
            submission,
            Intake::Web,
            &input(phone, false),
            updates,
        ) {
            Ok(Filed::New(receipt)) => receipt,
            other => panic!("{other:?}"),
        };
        let org_id = f.coordinator.org_id;
        let id = f
            .core
            .write(|tx| tx.receipt(org_id, &receipt.reference))
            .expect("read")
            .expect("a receipt");
        f.core.write(|tx| tx.subscription(id)).expect("read")
    };
    let kept = file("f1", Some("0803 555 0142"), Some(to)).expect("kept");
    assert_eq!(
        (kept.phone.as_str(), kept.lang.as_str()),
        ("+2348035550142", "ha")
    );
    assert_eq!(file("f2", Some("0803 555 0142"), None), None, "not asked");
    assert_eq!(file("f3", None, Some(to)), None, "no phone");
    // Anonymous with a phone is refused before anything is kept.
    let refused = f.core.report_to(
        CLIENT,
        "f4",
        Intake::Web,
        &input(Some("0803 555 0142"), true),
        Some(to),
    );
    assert!(
        matches!(refused, Err(Refused::Problems(ref p)) if p == &[Problem::Anonymous]),
        "{refused:?}"
    );
}
