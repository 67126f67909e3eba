//! Coordinator queues: workload per case worker, overdue as the clock moves, call-backs.

use citizens_client::{Filter, ForwardInput, RuleInput, Sort};
use citizens_test_support::{grievance_in, install, FakeClock, TOWN_HALL_DAY};
use rand::SeedableRng;

const DAY: i64 = 86_400_000;

#[test]
fn workload_counts_open_and_overdue_cases_per_case_worker_as_the_clock_moves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install(dir.path(), "Hauwa Sani", clock.clone());
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut references = Vec::new();
    for _ in 0..4 {
        let g = client
            .capture(&grievance_in(&mut rng, "KN", "Fagge"))
            .expect("capture");
        references.push(g.reference);
    }
    for (reference, worker) in
        references
            .iter()
            .zip(["Amina Bello", "Amina Bello", "Musa Ibrahim", "Musa Ibrahim"])
    {
        client.assign(reference, Some(worker)).expect("assign");
    }
    // Two of Amina's are forwarded (and so have a due date); one of Musa's is finished.
    for reference in &references[..2] {
        let input = ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..ForwardInput::default()
        };
        client.forward(reference, &input).expect("forward");
    }
    client
        .change_status(
            &references[3],
            "withdrawn",
            Some("the citizen moved away".into()),
        )
        .expect("withdrawn");

    let load = client.home().expect("home").workload;
    let figures: Vec<(&str, u64, u64)> = load
        .iter()
        .map(|w| (w.assignee.as_str(), w.open, w.overdue))
        .collect();
    assert_eq!(figures, [("Amina Bello", 2, 0), ("Musa Ibrahim", 1, 0)]);

    // Sixty days later both forwarded cases are past the first office's time.
    clock.advance(60 * DAY);
    let home = client.home().expect("home");
    let figures: Vec<(&str, u64, u64)> = home
        .workload
        .iter()
        .map(|w| (w.assignee.as_str(), w.open, w.overdue))
        .collect();
    assert_eq!(figures, [("Amina Bello", 2, 2), ("Musa Ibrahim", 1, 0)]);
    assert_eq!(home.overdue.total, 2);
}

#[test]
fn a_town_hall_commitment_goes_overdue_and_is_judged_with_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install(dir.path(), "Hauwa Sani", clock.clone());
    let session = town_hall(&mut client, "Fagge power town hall", "Fagge");
    let key = session.id.to_string();
    let input = citizens_client::CommitmentInput {
        official: "Engr. Bala Yusuf".into(),
        office: "Area Manager".into(),
        agency: Some("KEDCO".into()),
        promise: "Replace the Fagge transformer".into(),
        due: Some("2026-12-05".into()),
    };
    let session = client.add_commitment(&key, &input).expect("commitment");
    let commitment = session.commitments[0].id.to_string();
    assert!(client.overdue_commitments().expect("list").is_empty());

    clock.advance(30 * DAY);
    let overdue = client.overdue_commitments().expect("list");
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].agency.as_deref(), Some("KEDCO"));
    assert_eq!(overdue[0].session_title, "Fagge power town hall");

    for (status, evidence) in [("broken", " "), ("kept-ish", "a photo"), ("kept", "")] {
        assert!(
            client
                .update_commitment(&key, &commitment, status, evidence)
                .is_err(),
            "{status}/{evidence:?} is refused"
        );
    }
    assert!(
        client
            .update_commitment(&key, &key, "broken", "visited")
            .is_err(),
        "an unknown commitment is refused"
    );
    let session = client
        .update_commitment(
            &key,
            &commitment,
            "broken",
            "Visited 4 Jan: old transformer still there",
        )
        .expect("judged");
    let c = &session.commitments[0];
    assert_eq!(c.status.as_str(), "broken");
    assert_eq!(c.updates.len(), 1);
    assert_eq!(c.updates[0].by.user, "Hauwa Sani");
    assert!(
        client.overdue_commitments().expect("list").is_empty(),
        "judged, so no longer open"
    );
}

#[test]
fn route_all_untriaged_uses_the_most_specific_rule_and_keeps_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install(dir.path(), "Hauwa Sani", clock);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut capture = |kind: &str, category: &str, state: &str, lga: &str| {
        let mut input = grievance_in(&mut rng, state, lga);
        input.kind = kind.into();
        input.category = category.into();
        input.subcategory = None;
        input.reporter_name = None;
        input.reporter_phone = None;
        client.capture(&input).expect("capture").reference
    };
    let power = capture("complaint", "power", "KN", "Fagge");
    let no_rule = capture("complaint", "land", "BO", "Maiduguri");
    let bribe = capture("corruption_report", "passports", "KN", "Fagge");
    assert_eq!(
        client
            .suggest_agency("complaint", "power", "Kano")
            .expect("suggest")
            .map(|s| s.agency),
        Some("KEDCO".into())
    );

    assert_eq!(client.route_untriaged().expect("route"), 2);
    let case = client.open_case(&power).expect("open");
    assert_eq!(
        (case.row.status.as_str(), case.row.agency.as_deref()),
        ("triaged", Some("KEDCO"))
    );
    assert_eq!(
        case.grievance.routing_reason.as_deref(),
        Some("power grievances in KN go to KEDCO")
    );
    let case = client.open_case(&bribe).expect("open");
    assert_eq!(case.row.agency.as_deref(), Some("ICPC"));
    let case = client.open_case(&no_rule).expect("open");
    assert_eq!(
        (case.row.status.as_str(), case.row.agency),
        ("new", None),
        "no rule, left for a person"
    );
    assert_eq!(
        client.route_untriaged().expect("again"),
        0,
        "nothing left to route"
    );
}

#[test]
fn the_forwarding_letter_names_the_office_and_shares_identity_only_with_consent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install(dir.path(), "Hauwa Sani", clock);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut input = grievance_in(&mut rng, "KN", "Fagge");
    input.kind = "complaint".into();
    input.category = "power".into();
    input.subcategory = None;
    input.title = "Transformer burnt at Fagge".into();
    input.anonymous = false;
    input.seal_identity = false;
    input.reporter_name = Some("Zainab Garba".into());
    input.reporter_phone = Some("0803 555 0199".into());
    input.consent_purpose_explained = true;
    input.consent_share_with_agency = true;
    let shared = client.capture(&input).expect("capture").reference;
    input.consent_share_with_agency = false;
    let private = client.capture(&input).expect("capture").reference;
    input.kind = "corruption_report".into();
    input.consent_share_with_agency = true;
    let sealed = client.capture(&input).expect("capture").reference;

    assert!(
        client.forwarding_letter(&shared).is_err(),
        "no agency yet, no letter"
    );
    for reference in [&shared, &private, &sealed] {
        let forward = ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..ForwardInput::default()
        };
        client.forward(reference, &forward).expect("forward");
    }
    let case = client
        .acknowledge(&shared, Some("2026-11-25"), Some("KEDCO/ACK/1"))
        .expect("acknowledged");
    assert_eq!(case.row.status, "acknowledged");
    let entry = case
        .timeline
        .iter()
        .find(|e| e.kind == "acknowledged")
        .expect("entry");
    assert_eq!(
        (
            entry.params.get("on").map(String::as_str),
            entry.params.get("reference").map(String::as_str)
        ),
        (Some("2026-11-25"), Some("KEDCO/ACK/1"))
    );
    assert!(
        client.acknowledge(&shared, None, None).is_err(),
        "only a forwarded case is acknowledged"
    );
    let letter = client.forwarding_letter(&shared).expect("letter");
    for expected in [
        "Kano Civic Forum",
        "Our reference: ",
        shared.as_str(),
        "Kano Electricity Distribution",
        "Subject: Transformer burnt at Fagge",
        "in Fagge, Kano",
        "Zainab Garba",
        "Hauwa Sani",
    ] {
        assert!(
            letter.contains(expected),
            "'{expected}' missing from:\n{letter}"
        );
    }
    assert!(
        !letter.contains("/desk"),
        "no server, no desk to answer on:\n{letter}"
    );
    for reference in [&private, &sealed] {
        let letter = client.forwarding_letter(reference).expect("letter");
        assert!(
            !letter.contains("Zainab") && !letter.contains("0803"),
            "identity left out without consent or when sealed:\n{letter}"
        );
    }
}

#[test]
fn due_dates_count_working_days_and_follow_the_holiday_list() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install(dir.path(), "Hauwa Sani", clock.clone());
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let reference = client
        .capture(&grievance_in(&mut rng, "KN", "Fagge"))
        .expect("capture")
        .reference;
    let input = ForwardInput {
        agency: "KEDCO".into(),
        channel: "letter".into(),
        ..ForwardInput::default()
    };
    client.forward(&reference, &input).expect("forward");
    let due = |client: &citizens_client::Client| {
        let page = client
            .list(&Filter::default(), Sort::Oldest, 0, 10)
            .expect("list");
        let listed = page.rows[0].sla_due.clone();
        let shown = client.open_case(&reference).expect("open").row.sla_due;
        assert_eq!(listed, shown, "the list and the case page agree");
        shown
    };
    // Sent on Friday 20 November; KEDCO's first office has 10 working days: Friday 4 December.
    assert_eq!(due(&client).as_deref(), Some("2026-12-04"));

    client
        .add_holiday("2026-12-01", "Special public holiday")
        .expect("holiday");
    assert_eq!(
        due(&client).as_deref(),
        Some("2026-12-07"),
        "a holiday on the way pushes the due day past the weekend"
    );

    let before = client.rulebook().expect("book");
    for (day, name) in [("1/12/2026", "x"), ("2026-12-02", "  ")] {
        assert!(client.add_holiday(day, name).is_err(), "{day} {name:?}");
    }
    let err = client
        .remove_holiday("2026-12-09")
        .expect_err("not a holiday");
    assert!(err.to_string().contains("not in the holiday list"), "{err}");
    assert_eq!(
        client.rulebook().expect("book"),
        before,
        "refusals change nothing"
    );

    clock.advance(16 * DAY); // Sunday 6 December: not yet overdue.
    assert_eq!(client.home().expect("home").overdue.total, 0);
    assert_eq!(
        client.remove_holiday("2026-12-01").expect("removed"),
        "Special public holiday"
    );
    assert_eq!(due(&client).as_deref(), Some("2026-12-04"));
    assert_eq!(
        client.home().expect("home").overdue.total,
        1,
        "without the holiday it was due on Friday"
    );
}

#[test]
fn a_coordinator_adds_a_routing_rule_and_route_all_follows_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Hauwa Sani", FakeClock::at(TOWN_HALL_DAY));
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let mut input = grievance_in(&mut rng, "BO", "Maiduguri");
    input.kind = "complaint".into();
    input.category = "land".into();
    input.subcategory = None;
    let reference = client.capture(&input).expect("capture").reference;
    assert_eq!(client.route_untriaged().expect("route"), 0, "no rule yet");

    let before = client.rulebook().expect("book");
    for (bad, why) in [
        (
            RuleInput {
                category: Some("land".into()),
                agency: "NOSUCH".into(),
                ..RuleInput::default()
            },
            "NOSUCH",
        ),
        (
            RuleInput {
                agency: "SERVICOM".into(),
                ..RuleInput::default()
            },
            "which kind or which category",
        ),
        (
            RuleInput {
                category: Some("land".into()),
                states: vec!["Atlantis".into()],
                agency: "SERVICOM".into(),
                ..RuleInput::default()
            },
            "Atlantis",
        ),
    ] {
        let err = client.add_routing_rule(&bad).expect_err("refused");
        assert!(err.to_string().contains(why), "{err}");
    }
    assert_eq!(
        client.rulebook().expect("book"),
        before,
        "refusals change nothing"
    );

    let key = client
        .add_routing_rule(&RuleInput {
            kind: None,
            category: Some("Land".into()),
            states: vec!["Borno".into()],
            agency: "servicom".into(),
        })
        .expect("rule");
    let rule = &client.rulebook().expect("book").routing[&key];
    assert_eq!(
        (
            rule.category.as_deref(),
            rule.states.as_slice(),
            rule.agency.as_str()
        ),
        (Some("land"), ["BO".to_string()].as_slice(), "SERVICOM"),
        "kept in the directory's own words"
    );
    assert_eq!(client.route_untriaged().expect("route"), 1);
    let case = client.open_case(&reference).expect("open");
    assert_eq!(case.row.agency.as_deref(), Some("SERVICOM"));
    assert_eq!(
        case.grievance.routing_reason.as_deref(),
        Some("land grievances in BO go to SERVICOM")
    );
    assert_eq!(
        client.remove_routing_rule(&key).expect("removed").agency,
        "SERVICOM"
    );
    assert!(client.remove_routing_rule(&key).is_err());
}

#[test]
fn paper_forms_carry_numbers_no_other_laptop_issues_and_capture_uses_them_up() {
    let dirs = [
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    ];
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut first = install(dirs[0].path(), "Hauwa Sani", clock.clone());
    let mut second = install(dirs[1].path(), "Emeka Okafor", clock.clone());
    let session = town_hall(&mut first, "Fagge power town hall", "Fagge");

    let code = first.profile().device_code.clone();
    let issued = first
        .issue_forms(3, Some(&session.id.to_string()))
        .expect("issued");
    assert_eq!(
        issued,
        [1, 2, 3].map(|n| format!("F-{code}-{n:04}")),
        "numbered after this laptop's own code"
    );
    let more = first.issue_forms(2, None).expect("issued");
    assert_eq!(
        more,
        [4, 5].map(|n| format!("F-{code}-{n:04}")),
        "never reused"
    );
    let theirs = second.issue_forms(5, None).expect("issued");
    assert!(
        theirs
            .iter()
            .all(|n| !issued.contains(n) && !more.contains(n)),
        "two laptops never issue the same number: {theirs:?}"
    );

    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let mut input = grievance_in(&mut rng, "KN", "Fagge");
    input.channel = Some("paper_form".into());
    input.form_number = Some(issued[1].clone());
    input.session = Some(session.id.to_string());
    first.capture(&input).expect("captured");
    let mut unused = issued.clone();
    unused.remove(1);
    unused.extend(more);
    assert_eq!(first.unused_forms().expect("unused"), unused);

    for count in [0, 501] {
        assert_eq!(
            first
                .issue_forms(count, None)
                .expect_err("refused")
                .to_string(),
            format!("forms: give between 1 and 500 forms to print at a time, not {count}")
        );
    }
    let elsewhere = town_hall(&mut second, "Kumbotso water meeting", "Kumbotso");
    assert!(
        first
            .issue_forms(5, Some(&elsewhere.id.to_string()))
            .map_err(|e| e.code())
            .err()
            == Some(citizens_client::Code::NotFound),
        "a session this laptop does not hold is refused"
    );
    assert_eq!(
        first.unused_forms().expect("unused"),
        unused,
        "nothing issued by a refusal"
    );
}

/// A town-hall session in Kano at the LGA's secretariat.
fn town_hall(
    client: &mut citizens_client::Client,
    title: &str,
    lga: &str,
) -> citizens_core::session::TownHallSession {
    client
        .create_session(&citizens_client::SessionInput {
            title: title.into(),
            venue: format!("{lga} LGA secretariat"),
            state: "KN".into(),
            lga: lga.into(),
            ..Default::default()
        })
        .expect("session")
}
