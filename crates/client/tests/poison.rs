//! Issue 10 (5): nothing another replica sends can make a laptop's sync fail as a whole. Two
//! cases with the same reference (two laptops that drew the same device code before enrolment)
//! both show, each marked with the end of its own id, the same on every laptop; a record that
//! clashes with one here (an agency short name reused with a new id) is held back, shown, and
//! the rest is applied.

use citizens_client::{Client, Filter, Sort};
use citizens_core::agency::Agency;
use citizens_core::ids::AgencyId;
use citizens_protocol::{Pulled, Push, RecordKind, SyncResponse};
use citizens_test_support::{install, install_volunteer, FakeClock, PASSPHRASE, TOWN_HALL_DAY};

fn references(client: &Client) -> Vec<String> {
    client
        .list(&Filter::default(), Sort::Reference, 0, 100)
        .expect("list")
        .rows
        .into_iter()
        .map(|r| r.reference)
        .collect()
}

/// A server's answer carrying `pulls`, ending at `checkpoint`.
fn answer(pulls: Vec<Pulled>, checkpoint: u64) -> SyncResponse {
    SyncResponse {
        version: citizens_protocol::PROTOCOL_VERSION,
        checkpoint,
        pulls,
        more: false,
        checksum: Vec::new().into(),
        refused: Vec::new(),
        out_of_scope: Vec::new(),
    }
}

fn pulled(push: &Push, seq: u64) -> Vec<Pulled> {
    push.changes
        .iter()
        .map(|c| Pulled {
            seq,
            doc_id: push.doc_id,
            kind: push.kind,
            change: c.clone(),
        })
        .collect()
}

#[test]
fn two_cases_with_one_reference_both_arrive_and_show_alike_everywhere() {
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().expect("dir")).collect();
    let mut a = install_volunteer(dirs[0].path(), "Musa Garba", clock.clone());
    {
        let mut b = install_volunteer(dirs[1].path(), "Bisi Adeleke", clock.clone());
        let code = a.profile().device_code.clone();
        b.store().set_meta("device_code", &code).expect("same code");
    }
    let mut b = Client::open(dirs[1].path(), PASSPHRASE, clock.clone()).expect("reopen");
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(5);
    let case =
        |rng: &mut rand::rngs::StdRng| citizens_test_support::grievance_in(rng, "Kano", "Fagge");
    let first = a.capture(&case(&mut rng)).expect("capture");
    let second = b.capture(&case(&mut rng)).expect("capture");
    assert_eq!(first.reference, second.reference, "the collision");
    let exports = [
        a.store().export(first.id.uuid()).expect("export"),
        b.store().export(second.id.uuid()).expect("export"),
    ];
    let mark = |id: &str| format!("{}~{}", first.reference, id[id.len() - 4..].to_uppercase());
    let mut expected = vec![mark(&first.id.to_string()), mark(&second.id.to_string())];
    expected.sort();

    // A coordinator receives both in one pull, in either order: same result.
    for (dir, order) in [(&dirs[2], [0, 1]), (&dirs[3], [1, 0])] {
        let mut coordinator = install(dir.path(), "Ngozi Eze", clock.clone());
        let pulls: Vec<Pulled> = order
            .iter()
            .flat_map(|&i| pulled(&exports[i], i as u64 + 1))
            .collect();
        let applied = coordinator
            .store()
            .apply_sync(&answer(pulls, 2), None)
            .expect("the sync goes through");
        assert!(applied.need_whole.is_empty());
        assert_eq!(references(&coordinator), expected);
        let shown = &expected[0];
        assert!(
            coordinator.open_case(shown).is_ok(),
            "found by what it shows"
        );
    }
    // The laptop that had one first renames its own when the other arrives.
    b.store()
        .apply_sync(&answer(pulled(&exports[0], 1), 1), None)
        .expect("sync");
    assert_eq!(references(&b), expected);
}

#[test]
fn a_record_that_clashes_here_is_held_back_and_the_rest_applies() {
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().expect("dir")).collect();
    let mut coordinator = install(dirs[0].path(), "Ngozi Eze", clock.clone());
    let mut other = install(dirs[1].path(), "Bisi Adeleke", clock);
    // Someone made a new agency under a short name that already exists, with its own id.
    let mut nis: Agency = coordinator.agency("NIS").expect("NIS");
    nis.id = AgencyId::from_uuid(uuid::Uuid::now_v7());
    nis.name = "Not the Immigration Service".into();
    let doc = citizens_core::document::create(
        &automerge::ActorId::random(),
        &nis,
        citizens_core::clock::Timestamp::from_millis(0),
    )
    .expect("document")
    .save();
    let impostor = Push {
        doc_id: nis.id.uuid(),
        kind: RecordKind::Agency,
        changes: vec![doc.into()],
    };
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(6);
    let good = other
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture");
    let good = other.store().export(good.id.uuid()).expect("export");
    let pulls: Vec<Pulled> = [pulled(&impostor, 1), pulled(&good, 2)].concat();
    let applied = coordinator
        .store()
        .apply_sync(&answer(pulls, 2), None)
        .expect("the sync goes through");
    assert_eq!(applied.changes, 1, "the case was applied");
    let status = coordinator.sync_status().expect("status");
    assert_eq!(status.held_back.len(), 1);
    let held = &status.held_back[0];
    assert_eq!(
        (held.doc_id.as_str(), held.kind.as_str()),
        (nis.id.to_string().as_str(), "agency")
    );
    assert!(
        held.reason.starts_with("it clashes with a record here"),
        "{}",
        held.reason
    );
    assert_eq!(
        coordinator.agency("NIS").expect("NIS").name,
        "Nigeria Immigration Service"
    );
    assert_eq!(coordinator.store().checkpoint().expect("checkpoint"), 2);
}
