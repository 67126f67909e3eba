//! Cases worked through realistic histories, for the figures: many agencies, forwarding
//! and re-forwarding, acknowledgements, replies, escalations, resolutions and reopenings after
//! call-backs, merged and linked duplicates, status conflicts between two laptops, and
//! acknowledgements an agency made itself on its desk (arriving as the server's change).

use citizens_client::{Client, ForwardInput, Origin, ReplyInput};
use citizens_core::answers::Answer;
use citizens_core::clock::{Clock as _, Day};
use citizens_core::grievance::{Grievance, Stamp};
use citizens_core::ids::EntryId;
use citizens_core::lifecycle::Actor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::{grievance, FakeClock};

/// An hour in milliseconds.
pub const HOUR: i64 = 3_600_000;

/// A day `back` days before the clock's today, as a volunteer would type it.
pub fn days_ago(client: &Client, back: i64) -> String {
    let today = Day::parse("today", &client.today_string()).expect("today");
    (today.date() - time::Duration::days(back)).to_string()
}

pub fn forward(client: &mut Client, reference: &str, agency: &str, on: Option<String>) -> bool {
    let input = ForwardInput {
        agency: agency.into(),
        office: None,
        channel: "letter".into(),
        reference: None,
        on,
    };
    client.forward(reference, &input).is_ok()
}

/// Work a forwarded case through to resolved (in progress, then resolved).
pub fn resolve(client: &mut Client, reference: &str) {
    for status in ["in_progress", "resolved"] {
        client
            .change_status(reference, status, None)
            .unwrap_or_else(|e| panic!("{reference} → {status}: {e}"));
    }
}

/// The agency the case is with acknowledges it on its desk: the change the server writes for
/// its officer, arriving at the laptop as a sync would bring it.
fn desk_acknowledge(a: &mut Client, clock: &FakeClock, reference: &str) {
    let id = a.grievance_id(reference).expect("id").uuid();
    let mut push = a.store().export(id).expect("export");
    let mut doc = automerge::AutoCommit::load(&push.changes[0])
        .expect("load")
        .with_actor(automerge::ActorId::from(b"agency desk".to_vec()));
    let at = clock.now();
    let mut rng = StdRng::seed_from_u64(u64::try_from(at.millis()).unwrap_or(0));
    citizens_core::document::edit(&mut doc, at, |g: &mut Grievance| {
        let stamp = || Stamp {
            id: EntryId::generate(at, &mut rng),
            at,
            by: Actor {
                user: "Halima Sani".into(),
                device: "agency desk".into(),
                agency: Some("desk".into()),
            },
        };
        // A case the agency cannot take it on (closed, not forwarded) stays as it is.
        let _ = g.answer(
            &Answer::Acknowledge { reference: None },
            Day::from_date(at.date()),
            stamp,
        );
        Ok(())
    })
    .expect("edit");
    push.changes = vec![doc.save().into()];
    a.store().merge(&push, Origin::Server).expect("merge");
}

fn exchange(from: &mut Client, to: &mut Client, id: Uuid) {
    let push = from.store().export(id).expect("export");
    to.store().merge(&push, Origin::Peer).expect("merge");
}

/// Capture and work `n` cases through random histories on `a`, with `b` making concurrent
/// status changes. On a laptop not enrolled, some acknowledgements are the agency's own, as
/// its desk writes them; an enrolled laptop gets none (it would send them, and the server
/// refuses a laptop's entry posing as an agency's).
pub fn worked_cases(
    a: &mut Client,
    b: &mut Client,
    clock: &FakeClock,
    n: usize,
    seed: u64,
) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    let agencies: Vec<String> = a
        .agencies(None)
        .expect("agencies")
        .into_iter()
        .map(|r| r.short_name)
        .collect();
    assert!(agencies.len() >= 10, "the directory names many agencies");
    let desk = a.server().ok().flatten().is_none();
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
            if desk && rng.gen_bool(0.4) {
                desk_acknowledge(a, clock, reference);
            } else {
                let on = rng.gen_bool(0.5).then(|| days_ago(a, rng.gen_range(0..3)));
                let _ = a.acknowledge(reference, on.as_deref(), None);
            }
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
