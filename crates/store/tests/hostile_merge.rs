//! Bytes from elsewhere never crash the store or change it unless they are a valid record.

use std::path::PathBuf;

use citizens_protocol::{Push, RecordKind};
use citizens_store::{Error, Origin, Store};
use uuid::Uuid;

const PASS: &str = "a long enough passphrase";

fn malformed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/automerge-malformed")
}

fn documents(store: &Store) -> u64 {
    store
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total
}

fn agency_id(store: &Store) -> Uuid {
    let id = store
        .agency_id_by_short_name("NIS")
        .expect("query")
        .expect("NIS shipped");
    Uuid::parse_str(&id).expect("uuid")
}

#[test]
fn every_crashing_input_is_refused_and_the_store_keeps_working() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path(), PASS).expect("create");
    let files: Vec<PathBuf> = std::fs::read_dir(malformed_dir())
        .expect("testdata/automerge-malformed is part of the repository")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(
        files.len() >= 5,
        "expected the malformed corpus, found {files:?}"
    );
    for kind in RecordKind::ALL {
        for file in &files {
            let bytes = std::fs::read(file).expect("read");
            let push = Push {
                doc_id: Uuid::new_v4(),
                kind,
                changes: vec![bytes.into()],
            };
            let err = store
                .merge(&push, Origin::Peer)
                .expect_err("malformed input must be refused");
            assert!(
                matches!(err, Error::Rejected(_)),
                "{}: {err}",
                file.display()
            );
            assert!(err.to_string().contains("nothing was stored"), "{err}");
        }
    }
    assert_eq!(documents(&store), 0);
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

#[test]
fn truncated_mislabelled_and_misaddressed_documents_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path(), PASS).expect("create");
    let id = agency_id(&store);
    let good = store.export(id).expect("export");
    let bytes = good.changes[0].0.clone();

    for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let push = Push {
            doc_id: Uuid::new_v4(),
            kind: RecordKind::Agency,
            changes: vec![bytes[..cut].to_vec().into()],
        };
        assert!(
            matches!(store.merge(&push, Origin::Peer), Err(Error::Rejected(_))),
            "cut at {cut}"
        );
    }
    let as_grievance = Push {
        doc_id: id,
        kind: RecordKind::Grievance,
        changes: vec![bytes.clone().into()],
    };
    assert!(
        matches!(
            store.merge(&as_grievance, Origin::Peer),
            Err(Error::Rejected(_))
        ),
        "an agency is not a grievance"
    );
    let elsewhere = Push {
        doc_id: Uuid::new_v4(),
        kind: RecordKind::Agency,
        changes: vec![bytes.clone().into()],
    };
    assert!(
        matches!(
            store.merge(&elsewhere, Origin::Peer),
            Err(Error::Rejected(_))
        ),
        "id must match the address"
    );
    let oversized = Push {
        doc_id: id,
        kind: RecordKind::Agency,
        changes: vec![vec![0; citizens_store::MAX_PUSH_BYTES + 1].into()],
    };
    assert!(matches!(
        store.merge(&oversized, Origin::Peer),
        Err(Error::Rejected(_))
    ));

    // The genuine document is still accepted (as a no-op) and nothing was added.
    let merged = store
        .merge(&good, Origin::Peer)
        .expect("same document merges");
    assert!(!merged.changed);
    assert_eq!(
        store.agencies(None).expect("agencies").len(),
        citizens_core::seed::agencies().expect("shipped").len()
    );
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

/// Issue 10 (3): a compressed change that inflates to 1 GiB is refused before Automerge
/// inflates it (pulls and bundles both merge through here).
#[test]
fn a_compression_bomb_is_refused_before_it_is_inflated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::create(dir.path(), PASS).expect("create");
    let push = Push {
        doc_id: Uuid::new_v4(),
        kind: RecordKind::Grievance,
        changes: vec![citizens_test_support::hostile::compression_bomb(1 << 30).into()],
    };
    let err = store
        .merge(&push, Origin::Server)
        .expect_err("a bomb is refused");
    assert_eq!(
        err.to_string(),
        "refused incoming data: compressed record data unpacks to more than 32 MiB; nothing was stored"
    );
    assert_eq!(documents(&store), 0);
}
