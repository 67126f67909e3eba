//! Fuzzing what a device sends the server (issue 10): real sync bodies — CBOR around real
//! Automerge changes — mutated, then decoded and applied the way the server does (decode, then
//! `apply_untrusted` per record). Nothing may panic or run away. `FUZZ_CASES` sets the count.

use citizens_protocol::{decode, encode, Push, RecordKind, SyncRequest, PROTOCOL_VERSION};
use citizens_test_support::{install, FakeClock, TOWN_HALL_DAY};
use proptest::prelude::*;
use uuid::Uuid;

fn seed_body() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(11);
    let case = client
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture");
    client
        .add_note(&case.reference, "Crew promised Friday")
        .expect("note");
    let batch = client
        .store()
        .outbox_batch(512 * 1024, None)
        .expect("outbox")
        .expect("a batch");
    let mut pushes = batch.pushes;
    pushes.push(client.store().export(case.id.uuid()).expect("export"));
    encode(&SyncRequest {
        version: PROTOCOL_VERSION,
        batch_id: Uuid::now_v7(),
        since: 7,
        pushes,
    })
}

fn applied_as_the_server_does(body: &[u8]) {
    let Some(request) = decode::<SyncRequest>(body) else {
        return;
    };
    for Push { changes, kind, .. } in &request.pushes {
        let changes: Vec<&[u8]> = changes.iter().map(|c| &c[..]).collect();
        if let Ok(doc) = citizens_core::document::apply_untrusted(None, &changes) {
            if *kind == RecordKind::Grievance {
                let _ = citizens_core::document::read::<citizens_core::grievance::Grievance>(&doc);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: citizens_test_support::hostile::fuzz_cases(300), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_sync_bodies_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        thread_local!(static SEED: Vec<u8> = seed_body());
        let body = citizens_test_support::hostile::mutate(SEED.with(|s| s.clone()), &edits);
        let started = std::time::Instant::now();
        applied_as_the_server_does(&body);
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(5), "ran away");
    }
}
