//! Every figure of the performance table agrees exactly with a brute-force recomputation from
//! the cases' own histories, on a generated store: many agencies, re-forwarding, escalations,
//! reopenings after call-backs, merged and linked duplicates, concurrent status conflicts.

use std::collections::BTreeMap;

use citizens_client::{Client, Filter};
use citizens_core::clock::{Day, Timestamp};
use citizens_core::grievance::{Event, Grievance};
use citizens_core::lifecycle::Status;
use citizens_store::figures::{AgencyPerformance, Days};
use citizens_test_support::disclosure::{audit, Method};
use citizens_test_support::worked::{forward, worked_cases, HOUR};
use citizens_test_support::{
    grievance, install, install_with_key, FakeClock, KNOWN_ORG_KEY, TOWN_HALL_DAY,
};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// Which cases a filter keeps, said again over the documents.
type Keep = Box<dyn Fn(&Grievance) -> bool>;

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
        confirmed: u32,
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
        let mut confirmed = false;
        for e in &timeline {
            match &e.event {
                Event::Forwarded { agency: to, on, .. } if *to == agency && forwarded.is_none() => {
                    forwarded = Some((e.at, *on));
                }
                Event::Acknowledged { on, .. } if forwarded.is_some() => {
                    if ack.is_none_or(|a| *on < a) {
                        ack = Some(*on);
                    }
                    // Only an entry the agency's desk wrote counts as confirmed by it.
                    confirmed |= e.by.agency.is_some();
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
                if confirmed {
                    t.confirmed += 1;
                }
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
                .row
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
                confirmed: t.confirmed,
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

/// Cases per (group, within) in one of the trends.
type Groups = BTreeMap<(String, String), u32>;

/// The trends as maps: by month and status, by month and category, by state, who reports.
fn trend_maps(trends: &citizens_store::figures::Trends) -> [Groups; 4] {
    let map = |counts: &[citizens_store::figures::Count]| -> Groups {
        counts
            .iter()
            .map(|c| ((c.key.clone(), c.within.clone()), c.cases))
            .collect()
    };
    [
        map(&trends.by_month_status),
        map(&trends.by_month_category),
        map(&trends.by_state),
        map(&trends.reporters),
    ]
}

/// The trends recomputed from each case's document alone.
fn brute_trends(
    client: &mut Client,
    references: &[String],
    keep: &dyn Fn(&Grievance) -> bool,
) -> [Groups; 4] {
    let mut out: [Groups; 4] = Default::default();
    let mut add =
        |i: usize, key: String, within: String| *out[i].entry((key, within)).or_default() += 1;
    for reference in references {
        let g = client.open_case(reference).expect("case").grievance;
        let status = g.status().current;
        if g.merged_into.is_some() || status == Status::Duplicate || !keep(&g) {
            continue;
        }
        let day = g.created_at.date();
        let month = format!("{:04}-{:02}", day.year(), u8::from(day.month()));
        add(0, month.clone(), status.as_str().into());
        add(1, month, g.category.clone());
        add(2, g.place.state.clone(), String::new());
        let said = |answer: Option<&str>| answer.unwrap_or("not_given").to_string();
        add(
            3,
            "gender".into(),
            said(g.reporter.gender.map(|a| a.as_str())),
        );
        add(
            3,
            "age_band".into(),
            said(g.reporter.age_band.map(|a| a.as_str())),
        );
        add(
            3,
            "disability".into(),
            said(g.reporter.disability.map(|d| if d { "yes" } else { "no" })),
        );
    }
    out
}

#[test]
fn every_performance_figure_and_trend_agrees_with_a_brute_force_recomputation_from_the_histories() {
    let (da, db) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install(da.path(), "Amina Bello", clock.clone());
    let mut b = install(db.path(), "Chinedu Okafor", clock.clone());
    let references = worked_cases(&mut a, &mut b, &clock, 400, 7);
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
        let trends = a.trends(filter).expect("trends");
        assert_eq!(
            trend_maps(&trends),
            brute_trends(&mut a, &references, keep.as_ref()),
            "trends, filter {filter:?}"
        );
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

    // The public figures are the same counts, rounded by the organisation's key, and pass
    // the server's check against the directory.
    let public = a.public_figures().expect("public figures");
    public
        .check(&citizens_core::seed::agencies().expect("directory"))
        .expect("publishable");
    let d = a.disclosure();
    let table = a.performance(&Filter::default()).expect("performance");
    let listed: Vec<(String, Option<u32>, Option<u32>)> = public
        .agencies
        .iter()
        .map(|p| (p.short_name.clone(), p.received.0, p.resolved.0))
        .collect();
    let expected: Vec<(String, Option<u32>, Option<u32>)> =
        citizens_store::figures::listed(&table, &d)
            .into_iter()
            .map(|p| (p.short_name, p.received.0, p.resolved.0))
            .collect();
    assert_eq!(listed, expected);
    for p in &public.agencies {
        let exact = table
            .iter()
            .find(|r| r.short_name == p.short_name)
            .expect("counted");
        let shown = p.received.0.unwrap_or(0);
        assert!(
            shown % 5 == 0 && shown.abs_diff(exact.received) <= 4,
            "{p:?} {exact:?}"
        );
    }
    assert!(
        listed.len() < table.len(),
        "agencies whose count rounds to 0 are left out"
    );
    let sum: u32 = public.categories.iter().filter_map(|c| c.cases.0).sum();
    assert_eq!(
        public.cases.0,
        Some(sum),
        "the total adds the rounded categories"
    );
    assert_eq!(public.states.len(), citizens_core::geo::states().len());
    let leaks = audit(Method::Rounded, &[&public]);
    assert_eq!(leaks, Vec::new());
}

/// The disclosure auditor, over generated stores of every size, finds nothing the public
/// figures pin to 1–4: in one publication, nor between two with one case added (a laptop
/// publishes, one case is captured, forwarded and resolved, it publishes again).
#[test]
fn no_publication_nor_pair_pins_a_count_to_one_to_four() {
    for (seed, n) in [(1u64, 3usize), (2, 8), (3, 20), (4, 45), (5, 90)] {
        let (da, db) = (
            tempfile::tempdir().expect("dir"),
            tempfile::tempdir().expect("dir"),
        );
        let clock = FakeClock::at(TOWN_HALL_DAY);
        let mut a = install(da.path(), "Amina Bello", clock.clone());
        let mut b = install(db.path(), "Bola Ade", clock.clone());
        worked_cases(&mut a, &mut b, &clock, n, seed);
        let before = a.public_figures().expect("figures");
        assert_eq!(audit(Method::Rounded, &[&before]), Vec::new(), "{n} cases");
        let mut rng = StdRng::seed_from_u64(seed);
        let one = a.capture(&grievance(&mut rng)).expect("capture");
        assert!(forward(&mut a, &one.reference, "NPF", None));
        clock.advance(HOUR);
        let after = a.public_figures().expect("figures");
        assert_eq!(
            audit(Method::Rounded, &[&before, &after]),
            Vec::new(),
            "{n} cases, then one more"
        );
    }
}

/// The workbook holds the figures, never a name, phone, account or a list of cases (one row
/// per case would let anyone count any cell exactly), with counts rounded to 5 (one rounding
/// to 0 withheld) and months as Excel dates.
#[test]
fn the_workbook_holds_rounded_figures_and_no_personal_data_nor_case_list() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().expect("dir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install_with_key(dir.path(), "Amina Bello", clock.clone(), KNOWN_ORG_KEY);
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
    let counted = a
        .export_xlsx(&Filter::default(), &mut bytes)
        .expect("workbook");
    assert_eq!(counted, 60);
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
    ] {
        assert!(all.contains(&format!("name=\"{sheet}\"")), "sheet {sheet}");
    }
    assert!(!all.contains("name=\"Cases\""), "no case list");
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
        assert!(!all.contains(&g.reference), "{} listed", g.reference);
    }
    assert!(
        all.contains("<t>fewer than 5</t>"),
        "NHRC's three cases round to 0 under this key: withheld"
    );
    assert!(all.contains("<pane ySplit=\"1\""), "headers frozen");
    assert!(all.contains("mmm yyyy"), "months are Excel dates");
}
