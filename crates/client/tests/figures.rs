//! Every figure of the performance table agrees exactly with a brute-force recomputation from
//! the cases' own histories, on a generated store: many agencies, re-forwarding, escalations,
//! reopenings after call-backs, merged and linked duplicates, concurrent status conflicts.

use std::collections::BTreeMap;

use citizens_client::{Client, Filter, ForwardInput, Origin, ReplyInput};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::grievance::{Event, Grievance};
use citizens_core::lifecycle::Status;
use citizens_store::figures::{AgencyPerformance, Days};
use citizens_test_support::{grievance, install, FakeClock, TOWN_HALL_DAY};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

const HOUR: i64 = 3_600_000;

/// Which cases a filter keeps, said again over the documents.
type Keep = Box<dyn Fn(&Grievance) -> bool>;

/// A day `back` days before the clock's today, as a volunteer would type it.
fn days_ago(client: &Client, back: i64) -> String {
    let today = Day::parse("today", &client.today_string()).expect("today");
    (today.date() - time::Duration::days(back)).to_string()
}

fn forward(client: &mut Client, reference: &str, agency: &str, on: Option<String>) -> bool {
    let input = ForwardInput {
        agency: agency.into(),
        office: None,
        channel: "letter".into(),
        reference: None,
        on,
    };
    client.forward(reference, &input).is_ok()
}

fn exchange(from: &mut Client, to: &mut Client, id: Uuid) {
    let push = from.store().export(id).expect("export");
    to.store().merge(&push, Origin::Peer).expect("merge");
}

/// Work `n` cases through random histories on `a`, with `b` making concurrent status changes.
fn generate(a: &mut Client, b: &mut Client, clock: &FakeClock, n: usize, seed: u64) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let agencies: Vec<String> = a
        .agencies(None)
        .expect("agencies")
        .into_iter()
        .map(|r| r.short_name)
        .collect();
    assert!(agencies.len() >= 10, "the directory names many agencies");
    let mut references = Vec::new();
    for _ in 0..n {
        clock.advance(rng.gen_range(1..30) * HOUR);
        let g = a.capture(&grievance(&mut rng)).expect("capture");
        references.push(g.reference.clone());
    }
    for (i, reference) in references.clone().iter().enumerate() {
        clock.advance(rng.gen_range(0..6) * HOUR);
        if rng.gen_bool(0.15) {
            continue; // never forwarded
        }
        let pick = |rng: &mut StdRng| agencies[rng.gen_range(0..agencies.len())].clone();
        let on = rng.gen_bool(0.5).then(|| days_ago(a, rng.gen_range(0..4)));
        forward(a, reference, &pick(&mut rng), on);
        if rng.gen_bool(0.2) {
            clock.advance(rng.gen_range(1..48) * HOUR);
            // Sent on to another agency: its clock starts from that forwarding.
            forward(a, reference, &pick(&mut rng), None);
        }
        if rng.gen_bool(0.6) {
            clock.advance(rng.gen_range(1..200) * HOUR);
            let on = rng.gen_bool(0.5).then(|| days_ago(a, rng.gen_range(0..3)));
            let _ = a.acknowledge(reference, on.as_deref(), None);
        }
        if rng.gen_bool(0.4) {
            clock.advance(rng.gen_range(1..200) * HOUR);
            let reply = ReplyInput {
                summary: "The desk officer says a team will visit".into(),
                reference: None,
                on: None,
            };
            let _ = a.record_reply(reference, &reply);
        }
        for _ in 0..rng.gen_range(0..3) {
            clock.advance(rng.gen_range(1..300) * HOUR);
            let _ = a.escalate(reference, "no answer within the office's days");
        }
        if rng.gen_bool(0.5) {
            clock.advance(rng.gen_range(1..400) * HOUR);
            let _ = a.change_status(reference, "in_progress", None);
            let _ = a.change_status(reference, "resolved", None);
            if rng.gen_bool(0.6) {
                clock.advance(rng.gen_range(1..100) * HOUR);
                let confirmed = rng.gen_bool(0.6);
                let _ = a.call_back(reference, confirmed, "Spoke with the citizen");
                if !confirmed && rng.gen_bool(0.5) {
                    clock.advance(rng.gen_range(1..300) * HOUR);
                    let _ = a.change_status(reference, "resolved", None);
                }
            }
        } else if rng.gen_bool(0.1) {
            let _ = a.change_status(reference, "withdrawn", Some("citizen withdrew".into()));
        }
        if i > 0 && rng.gen_bool(0.08) {
            let original = &references[rng.gen_range(0..i)];
            let _ = a.mark_duplicate(reference, original, rng.gen_bool(0.7));
        }
        if rng.gen_bool(0.08) {
            // Two laptops change the status at once: a conflict until someone settles it.
            let id = a.grievance_id(reference).expect("id").uuid();
            exchange(a, b, id);
            clock.advance(HOUR);
            let next = a
                .open_case(reference)
                .expect("case")
                .grievance
                .status()
                .current;
            let choices = next.allowed_next();
            if choices.len() >= 2 {
                let _ = a.change_status(reference, choices[0].as_str(), None);
                let _ = b.change_status(reference, choices[1].as_str(), None);
                exchange(b, a, id);
            }
        }
    }
    references
}

fn days(from: time::Date, to: time::Date) -> u32 {
    ((to - from).whole_days()).max(0) as u32
}

/// The figure recomputed by hand: sort, take the middle, and the value at rank ⌈0.9·n⌉.
fn brute_days(mut v: Vec<u32>) -> Days {
    v.sort();
    let n = v.len();
    Days {
        median: (n > 0).then(|| {
            if n % 2 == 1 {
                v[n / 2] as f64
            } else {
                (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
            }
        }),
        p90: (n > 0).then(|| v[((n as f64 * 0.9).ceil() as usize) - 1] as f64),
        cases: n as u32,
    }
}

/// The performance table recomputed from each case's document and its history alone.
fn brute_force(
    client: &mut Client,
    references: &[String],
    keep: &dyn Fn(&Grievance) -> bool,
) -> BTreeMap<String, AgencyPerformance> {
    let today = Day::parse("today", &client.today_string())
        .expect("today")
        .to_string();
    #[derive(Default)]
    struct T {
        received: u32,
        forwarded: u32,
        ack: Vec<u32>,
        answered: u32,
        resolved: Vec<u32>,
        resolved_fwd: Vec<u32>,
        open: u32,
        overdue: u32,
        escalated: u32,
        reopened: u32,
    }
    let mut by_agency: BTreeMap<String, T> = BTreeMap::new();
    for reference in references {
        let view = client.open_case(reference).expect("case");
        let g = &view.grievance;
        let status = g.status().current;
        if g.merged_into.is_some() || status == Status::Duplicate || !keep(g) {
            continue;
        }
        let Some(agency) = g.agency else { continue };
        let t = by_agency.entry(agency.to_string()).or_default();
        t.received += 1;
        let mut timeline: Vec<_> = g.timeline.iter().collect();
        timeline.sort_by_key(|e| (e.at, e.id));
        let mut forwarded: Option<(Timestamp, Day)> = None;
        let (mut ack, mut answered, mut escalations): (Option<Day>, bool, u32) = (None, false, 0);
        for e in &timeline {
            match &e.event {
                Event::Forwarded { agency: to, on, .. } if *to == agency && forwarded.is_none() => {
                    forwarded = Some((e.at, *on));
                }
                Event::Acknowledged { on, .. }
                    if forwarded.is_some() && ack.is_none_or(|a| *on < a) =>
                {
                    ack = Some(*on);
                }
                Event::AgencyReply { .. } if forwarded.is_some() => answered = true,
                Event::Escalated { .. } if forwarded.is_some() => escalations += 1,
                _ => {}
            }
        }
        let reopened = g.timeline.iter().any(|e| {
            matches!(
                e.event,
                Event::CalledBack {
                    confirmed: false,
                    ..
                }
            )
        });
        if let Some((_, on)) = forwarded {
            t.forwarded += 1;
            if let Some(a) = ack {
                t.ack.push(days(on.date(), a.date()));
            }
            if answered {
                t.answered += 1;
            }
        }
        if matches!(status, Status::Resolved | Status::Closed) {
            let last = g
                .status_history
                .iter()
                .filter(|c| c.to == Status::Resolved)
                .map(|c| (c.at, c.id))
                .max()
                .expect("a resolved case was marked resolved");
            let resolved = last.0.date();
            t.resolved.push(days(g.created_at.date(), resolved));
            if let Some((_, on)) = forwarded {
                t.resolved_fwd.push(days(on.date(), resolved));
            }
        }
        if status.awaits_action() {
            t.open += 1;
            if view
                .sla_due
                .as_deref()
                .is_some_and(|due| due < today.as_str())
            {
                t.overdue += 1;
            }
        }
        if escalations > 0 {
            t.escalated += 1;
        }
        if reopened {
            t.reopened += 1;
        }
    }
    let names: BTreeMap<String, (String, String, String)> = client
        .agencies(None)
        .expect("agencies")
        .into_iter()
        .map(|r| (r.id.clone(), (r.short_name, r.name, r.level)))
        .collect();
    by_agency
        .into_iter()
        .map(|(id, t)| {
            let (short_name, name, level) = names[&id].clone();
            let row = AgencyPerformance {
                agency_id: id.clone(),
                short_name,
                name,
                level,
                received: t.received,
                forwarded: t.forwarded,
                acknowledged: t.ack.len() as u32,
                days_to_acknowledge: brute_days(t.ack),
                answered: t.answered,
                resolved: t.resolved.len() as u32,
                days_to_resolve: brute_days(t.resolved),
                days_to_resolve_from_forwarding: brute_days(t.resolved_fwd),
                open: t.open,
                overdue: t.overdue,
                escalated: t.escalated,
                reopened: t.reopened,
            };
            (id, row)
        })
        .collect()
}

#[test]
fn every_performance_figure_agrees_with_a_brute_force_recomputation_from_the_histories() {
    let (da, db) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install(da.path(), "Amina Bello", clock.clone());
    let mut b = install(db.path(), "Chinedu Okafor", clock.clone());
    let references = generate(&mut a, &mut b, &clock, 400, 7);
    clock.advance(30 * 24 * HOUR);

    let first = a.open_case(&references[0]).expect("case").grievance;
    let middle = Timestamp::from_millis(TOWN_HALL_DAY + 200 * 15 * HOUR);
    let filters: Vec<(Filter, Keep)> = vec![
        (Filter::default(), Box::new(|_| true)),
        (
            Filter {
                state: Some(first.place.state.clone()),
                ..Filter::default()
            },
            Box::new(move |g| g.place.state == first.place.state),
        ),
        (
            Filter {
                kind: Some("complaint".into()),
                ..Filter::default()
            },
            Box::new(|g| g.kind.as_str() == "complaint"),
        ),
        (
            Filter {
                category: Some("electricity".into()),
                ..Filter::default()
            },
            Box::new(|g| g.category == "electricity"),
        ),
        (
            Filter {
                from: Some(middle.millis()),
                ..Filter::default()
            },
            Box::new(move |g| g.created_at >= middle),
        ),
    ];
    let mut seen = (0, 0, 0, 0, 0);
    for (filter, keep) in &filters {
        let table = a.performance(filter).expect("performance");
        let expected = brute_force(&mut a, &references, keep.as_ref());
        let got: BTreeMap<String, AgencyPerformance> = table
            .iter()
            .map(|r| (r.agency_id.clone(), r.clone()))
            .collect();
        assert_eq!(got, expected, "filter {filter:?}");
        for r in &table {
            seen.0 += r.escalated;
            seen.1 += r.reopened;
            seen.2 += r.resolved;
            seen.3 += r.overdue;
        }
        seen.4 = seen.4.max(table.len());
    }
    // The generated store exercises every figure.
    let (escalated, reopened, resolved, overdue, agencies) = seen;
    assert!(
        escalated > 0 && reopened > 0 && resolved > 0 && overdue > 0,
        "{seen:?}"
    );
    assert!(agencies >= 10, "{agencies} agencies");
    let conflicts = a
        .list(
            &Filter {
                conflicts_only: true,
                ..Filter::default()
            },
            Default::default(),
            0,
            0,
        )
        .expect("list")
        .total;
    assert!(conflicts > 0, "some cases carry a status conflict");
}

/// The workbook holds the figures and the case list, never a name, phone or account, with
/// counts under 5 withheld and dates as Excel dates.
#[test]
fn the_workbook_lists_cases_without_personal_data_and_withholds_small_counts() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().expect("dir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install(dir.path(), "Amina Bello", clock.clone());
    let mut rng = StdRng::seed_from_u64(11);
    let inputs: Vec<_> = (0..60).map(|_| grievance(&mut rng)).collect();
    let mut captured = Vec::new();
    for input in &inputs {
        captured.push(a.capture(input).expect("capture"));
    }
    // Many cases to one agency, three to another: the second's counts are withheld.
    for (i, g) in captured.iter().enumerate() {
        let agency = if i < 3 { "NHRC" } else { "NPF" };
        assert!(forward(&mut a, &g.reference, agency, None), "forwarded");
    }
    let mut bytes = Vec::new();
    let listed = a
        .export_xlsx(&Filter::default(), &mut bytes)
        .expect("workbook");
    assert_eq!(listed, 60);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut all = String::new();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).expect("part");
        let mut text = String::new();
        part.read_to_string(&mut text).expect("xml");
        all.push_str(&text);
    }
    for sheet in [
        "About",
        "Agencies",
        "By month and status",
        "By month and category",
        "Cases",
    ] {
        assert!(all.contains(&format!("name=\"{sheet}\"")), "sheet {sheet}");
    }
    for input in &inputs {
        for private in [&input.narrative, &input.title]
            .into_iter()
            .chain(input.reporter_name.as_ref())
            .chain(input.reporter_phone.as_ref())
        {
            assert!(!all.contains(private.as_str()), "{private} leaked");
        }
    }
    for g in &captured {
        assert!(all.contains(&g.reference), "{} listed", g.reference);
    }
    assert!(
        all.contains("fewer than 5"),
        "NHRC's three cases are withheld"
    );
    assert!(all.contains("<pane ySplit=\"1\""), "headers frozen");
    assert!(
        all.contains("yyyy-mm-dd hh:mm"),
        "capture times are Excel dates"
    );
}
