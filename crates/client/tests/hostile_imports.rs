//! Issue 10 (9, 10): a bundle or a CSV file from elsewhere gets a clear refusal, never an abort,
//! and changes nothing: key-derivation settings and size are bounded, only cases and town halls
//! of this organisation are taken; a CSV file with one bad row stores none.

use citizens_client::{Client, Code};
use citizens_protocol::{encode, Push, RecordKind};
use citizens_test_support::{install, install_volunteer, FakeClock, TOWN_HALL_DAY};

const USB: &str = "usb stick passphrase";

fn refused(client: &mut Client, bytes: &[u8]) -> String {
    let before = client
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total;
    let err = client
        .import_bundle(bytes, USB)
        .expect_err("a hostile bundle is refused");
    assert_eq!(err.code(), Code::Invalid, "{err}");
    let after = client
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total;
    assert_eq!(before, after, "nothing was stored");
    err.to_string()
}

#[derive(serde::Serialize)]
struct Bundle {
    version: u32,
    records: Vec<Push>,
}

fn sealed(bundle: &Bundle) -> Vec<u8> {
    let mut out = b"CCBUNDLE1\n".to_vec();
    out.extend(citizens_store::keyfile::seal_with_passphrase(USB, &encode(bundle)).expect("seal"));
    out
}

#[test]
fn argon2_settings_from_a_bundle_are_bounded_before_any_memory_is_taken() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let header = serde_json::json!({
        "version": 1, "kdf": "argon2id", "memory_kib": 4_294_967_295u32, "iterations": 2,
        "parallelism": 1, "salt": "c2FsdHNhbHRzYWx0c2FsdA==",
        "nonce": "bm9uY2Vub25jZW5vbmNlbm9uY2Vub25j", "wrapped_key": "AAAA"
    });
    let mut bytes = b"CCBUNDLE1\n".to_vec();
    bytes.extend(serde_json::to_vec(&header).expect("json"));
    assert_eq!(
        refused(&mut client, &bytes),
        "refused incoming data: this file asks for key-derivation settings Citizens Connect never \
         uses (4294967295 KiB, 2 passes, 1 lanes; at most 262144 KiB, 10 passes, 4 lanes); nothing was stored"
    );
}

#[test]
fn a_bundle_carries_cases_and_town_halls_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let rulebook = client
        .store()
        .export(citizens_core::rulebook::Rulebook::id())
        .expect("the shipped rulebook");
    assert_eq!(rulebook.kind, RecordKind::Rulebook);
    let bytes = sealed(&Bundle {
        version: 1,
        records: vec![rulebook],
    });
    assert_eq!(
        refused(&mut client, &bytes),
        "refused incoming data: a bundle carries cases and town halls only, and this one holds a rulebook record; nothing was stored"
    );
}

#[test]
fn a_bundle_of_another_organisation_is_refused() {
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let (a, b) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let mut kano = install(a.path(), "Amina Bello", clock.clone());
    // Another organisation that happens to use the same name: its own key.
    let mut other = install(b.path(), "Bisi Adeleke", clock);
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
    other
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture");
    let mut bytes = Vec::new();
    other.export_bundle(&mut bytes, USB, None).expect("export");
    assert_eq!(
        refused(&mut kano, &bytes),
        "refused incoming data: this bundle comes from another organisation of the same name (its organisation key is not yours); nothing was stored"
    );
    // A laptop not yet enrolled (no organisation key) takes a bundle of its organisation.
    let c = tempfile::tempdir().expect("c");
    let mut fresh = install_volunteer(c.path(), "Musa Garba", FakeClock::at(TOWN_HALL_DAY));
    fresh
        .import_bundle(&bytes[..], USB)
        .expect("same name, no key to tell apart");
}

#[test]
fn a_bundle_larger_than_the_bound_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let endless = std::io::repeat(b'x').take(citizens_client::MAX_BUNDLE_BYTES + 1024);
    use std::io::Read as _;
    let err = client.import_bundle(endless, USB).expect_err("too large");
    assert_eq!(
        err.to_string(),
        "refused incoming data: this bundle is larger than 512 MiB; export it in parts (changes since a date); nothing was stored"
    );
}

#[test]
fn a_csv_file_with_one_unreadable_row_stores_none_and_reports_every_wrong_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let csv = "kind,category,state,lga,title,anonymous,consent_purpose_explained\n\
               complaint,water,Kano,Fagge,Borehole dry,yes,yes\n\
               complaint,water,Kano,Fagge,Pump broken,perhaps,yes\n\
               complaint,water,Kano,Ikeja,Pipe burst,yes,yes\n";
    let report = client
        .import_csv(csv.as_bytes(), &[])
        .expect_err("one bad row: nothing stored");
    let rows: Vec<usize> = report.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, [2, 3], "{report}");
    assert_eq!(
        report.errors[0].message,
        "anonymous: 'perhaps' is not yes or no"
    );
    assert!(
        report.errors[1]
            .message
            .contains("'Ikeja' is not an LGA of Kano"),
        "{report}"
    );
    let total = client
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total;
    assert_eq!(total, 0, "the good row was not stored either");
}

use citizens_test_support::hostile::{fuzz_cases, mutate};

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: fuzz_cases(256), failure_persistence: None, ..Default::default() })]

    /// Fuzzing CSV import: any bytes, with or without a real header: a report or cases, never a
    /// panic; and when a report comes back, nothing was stored.
    #[test]
    fn any_csv_gets_cases_or_a_report_and_a_report_stores_nothing(
        body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
        header in proptest::prelude::any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut client = install_volunteer(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
        let mut input = if header {
            b"kind,category,state,lga,title,anonymous,consent_purpose_explained\n".to_vec()
        } else {
            Vec::new()
        };
        input.extend(body);
        let outcome = client.import_csv(&input[..], &[]);
        let total = client.list(&Default::default(), Default::default(), 0, 0).expect("list").total;
        match outcome {
            Ok(stored) => proptest::prop_assert_eq!(stored.len() as u64, total),
            Err(_) => proptest::prop_assert_eq!(total, 0),
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: fuzz_cases(48), failure_persistence: None, ..Default::default() })]

    /// Fuzzing bundle import: a real bundle's plaintext, mutated, sealed under the passphrase
    /// (so it reaches the decoder): imported, or refused with nothing stored — never a panic.
    #[test]
    fn mutated_bundles_are_imported_or_refused_whole(
        edits in proptest::collection::vec((proptest::prelude::any::<usize>(), proptest::prelude::any::<u8>(), 0u8..3), 1..6),
    ) {
        thread_local!(static SEED: Vec<u8> = {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut from = install_volunteer(dir.path(), "Musa Garba", FakeClock::at(TOWN_HALL_DAY));
            let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(2);
            for _ in 0..3 {
                from.capture(&citizens_test_support::grievance(&mut rng)).expect("capture");
            }
            let records = from
                .store()
                .record_ids_since(None)
                .expect("ids")
                .into_iter()
                .map(|id| from.store().export(id).expect("export"))
                .collect();
            encode(&Bundle { version: 1, records })
        });
        let plain = mutate(SEED.with(|s| s.clone()), &edits);
        let mut bytes = b"CCBUNDLE1\n".to_vec();
        bytes.extend(citizens_store::keyfile::seal_with_passphrase(USB, &plain).expect("seal"));
        let dir = tempfile::tempdir().expect("tempdir");
        let mut to = install_volunteer(dir.path(), "Bisi Adeleke", FakeClock::at(TOWN_HALL_DAY));
        let outcome = to.import_bundle(&bytes[..], USB);
        let total = to.list(&Default::default(), Default::default(), 0, 0).expect("list").total;
        if outcome.is_err() {
            proptest::prop_assert_eq!(total, 0);
        }
    }
}
