//! Encryption at rest and sealed reporter identity.

use std::path::Path;
use std::sync::Arc;

use citizens_client::Origin;
use citizens_client::{Client, Code, GrievanceInput, InitOptions};
use citizens_core::grievance::Grievance;
use citizens_test_support::{install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};

const PLANTED_NARRATIVE: &str = "PLANTEDNARRATIVE7731 officer collected twenty thousand naira";
const PLANTED_NAME: &str = "Zainabplanted Danjumatest";
const PLANTED_NOTE: &str = "PLANTEDNOTE4420 called the DPO";

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            out.push((
                path.display().to_string(),
                std::fs::read(&path).expect("read file"),
            ));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn complaint() -> GrievanceInput {
    GrievanceInput {
        kind: "complaint".into(),
        category: "policing".into(),
        state: "Kano".into(),
        lga: "Nasarawa".into(),
        title: "Checkpoint on Zaria Road".into(),
        narrative: PLANTED_NARRATIVE.into(),
        reporter_name: Some(PLANTED_NAME.into()),
        reporter_phone: Some("0803 555 0199".into()),
        consent_purpose_explained: true,
        ..GrievanceInput::default()
    }
}

#[test]
fn nothing_planted_is_readable_on_disk_while_open_or_after_close() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let g = client.capture(&complaint()).expect("capture");
    client.add_note(&g.reference, PLANTED_NOTE).expect("note");

    let check = |when: &str| {
        let files = files_under(dir.path());
        assert!(
            files.iter().any(|(n, _)| n.ends_with("citizens.db-wal")) || when == "closed",
            "WAL in use while open"
        );
        for (name, bytes) in &files {
            for planted in [
                PLANTED_NARRATIVE,
                PLANTED_NAME,
                PLANTED_NOTE,
                "SQLite format 3",
                PASSPHRASE,
            ] {
                assert!(
                    !contains(bytes, planted),
                    "{when}: '{planted}' readable in {name}"
                );
            }
        }
    };
    check("open");
    drop(client);
    check("closed");

    // And the data is all there for the right passphrase.
    let client =
        Client::open(dir.path(), PASSPHRASE, FakeClock::at(TOWN_HALL_DAY)).expect("reopen");
    let view = client.open_case(&g.reference).expect("open case");
    assert_eq!(view.grievance.narrative, PLANTED_NARRATIVE);
    assert_eq!(
        client.search("PLANTEDNOTE4420", 5).expect("search").len(),
        1
    );
}

#[test]
fn a_wrong_passphrase_is_refused_and_leaves_every_file_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    client.capture(&complaint()).expect("capture");
    drop(client);
    let before = files_under(dir.path());
    let err = Client::open(
        dir.path(),
        "not the passphrase",
        Arc::new(citizens_client::SystemClock),
    )
    .expect_err("refused");
    assert_eq!(err.code(), Code::WrongPassphrase, "{err}");
    assert!(err.to_string().contains("wrong passphrase"), "{err}");
    assert_eq!(files_under(dir.path()), before);
}

#[test]
fn changing_the_passphrase_rewraps_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(install(
        dir.path(),
        "Amina Bello",
        FakeClock::at(TOWN_HALL_DAY),
    ));
    citizens_client::change_passphrase(dir.path(), PASSPHRASE, "a brand new passphrase")
        .expect("change");
    assert_eq!(
        Client::open(dir.path(), PASSPHRASE, FakeClock::at(0))
            .err()
            .map(|e| e.code()),
        Some(Code::WrongPassphrase)
    );
    Client::open(dir.path(), "a brand new passphrase", FakeClock::at(0))
        .expect("new passphrase opens");
    let err = citizens_client::change_passphrase(dir.path(), "wrong old one", "another passphrase")
        .expect_err("old checked");
    assert_eq!(err.code(), Code::WrongPassphrase);
}

#[test]
fn corruption_reports_are_sealed_so_only_the_organisation_key_opens_them() {
    let coordinator_dir = tempfile::tempdir().expect("tempdir");
    let volunteer_dir = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut coordinator = install(coordinator_dir.path(), "Ngozi Eze", clock.clone());
    let mut volunteer = Client::init(
        volunteer_dir.path(),
        PASSPHRASE,
        InitOptions {
            user: "Musa Garba".into(),
            organisation: "Kano Civic Forum".into(),
            device_name: None,
            org_key: citizens_client::OrgKey::Known(coordinator.profile().org_public_key.clone()),
        },
        clock,
    )
    .expect("volunteer install");
    assert!(!volunteer.profile().holds_org_secret);

    let report = GrievanceInput {
        kind: "corruption_report".into(),
        ..complaint()
    };
    let g = volunteer.capture(&report).expect("capture");
    assert!(g.reporter.sealed.is_some() && g.reporter.name.is_none() && g.reporter.phone.is_none());

    // The volunteer's laptop cannot read it back.
    let err = volunteer
        .reveal_identity(&g.reference)
        .expect_err("no private key here");
    assert!(
        err.to_string()
            .contains("only your organisation's coordinators can open"),
        "{err}"
    );

    // The bytes that travel do not contain it either.
    let push = volunteer.store().export(g.id.uuid()).expect("export");
    assert!(!push
        .changes
        .iter()
        .any(|c| contains(c, PLANTED_NAME) || contains(c, "2348035550199")));

    // The coordinator holding the key can.
    coordinator
        .store()
        .merge(&push, Origin::Peer)
        .expect("merge");
    let who = coordinator
        .reveal_identity(&g.reference)
        .expect("coordinator opens it");
    assert_eq!(who.name.as_deref(), Some(PLANTED_NAME));
    assert_eq!(who.phone.as_deref(), Some("+2348035550199"));
}

#[test]
fn a_reporter_can_ask_for_sealing_and_anonymity_keeps_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    let sealed = client
        .capture(&GrievanceInput {
            seal_identity: true,
            ..complaint()
        })
        .expect("sealed");
    assert!(sealed.reporter.sealed.is_some() && sealed.reporter.name.is_none());
    let open = client.capture(&complaint()).expect("open");
    assert_eq!(open.reporter.name.as_deref(), Some(PLANTED_NAME));

    let anonymous = GrievanceInput {
        anonymous: true,
        reporter_name: None,
        reporter_phone: None,
        ..complaint()
    };
    let g: Grievance = client.capture(&anonymous).expect("anonymous");
    assert!(g.reporter.anonymous && g.reporter.sealed.is_none() && g.reporter.name.is_none());
    assert!(!g.consent.may_contact, "nobody to contact");

    let before = client
        .list(&Default::default(), Default::default(), 0, 0)
        .expect("list")
        .total;
    let err = client
        .capture(&GrievanceInput {
            anonymous: true,
            ..complaint()
        })
        .expect_err("anonymous with a name");
    assert!(err.to_string().contains("anonymous"), "{err}");
    let err = client
        .capture(&GrievanceInput {
            consent_purpose_explained: false,
            ..complaint()
        })
        .expect_err("no consent");
    assert!(err.to_string().contains("purpose explained"), "{err}");
    assert_eq!(
        client
            .list(&Default::default(), Default::default(), 0, 0)
            .expect("list")
            .total,
        before,
        "nothing stored"
    );
}

#[test]
fn records_merged_from_elsewhere_count_as_changed_when_their_changes_were_made() {
    let (a_dir, b_dir) = (
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    );
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install(a_dir.path(), "Amina Bello", clock.clone());
    let mut b = install(b_dir.path(), "Bisi Adeleke", clock);
    let g = a.capture(&complaint()).expect("capture");
    let push = a.store().export(g.id.uuid()).expect("export");
    b.store().merge(&push, Origin::Peer).expect("merge");
    let since_town_hall = b
        .store()
        .record_ids_since(Some(TOWN_HALL_DAY - 1_000))
        .expect("since");
    assert_eq!(
        since_town_hall,
        [g.id.uuid()],
        "a bundle exported 'since the town hall' carries it on"
    );
    let since_later = b
        .store()
        .record_ids_since(Some(TOWN_HALL_DAY + 86_400_000))
        .expect("later");
    assert!(since_later.is_empty());
}

/// Issue 10 (10): the data folder is the owner's alone, and so are the database and key file.
#[cfg(unix)]
#[test]
fn the_data_folder_and_its_files_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("citizens");
    let mut client = install(&data, "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    client.capture(&complaint()).expect("capture");
    let mode = |name: &str| {
        std::fs::metadata(data.join(name))
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "the folder");
    for file in ["citizens.db", "citizens.db-wal", "key.json"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
}

/// Issue 10 (10): an install interrupted before its key file was written (a crash, a power
/// cut) leaves a database nobody can open; setting up again clears it and works.
#[test]
fn an_interrupted_install_can_be_set_up_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("citizens.db"), b"left by a crash").expect("leftover");
    assert_eq!(
        Client::open(dir.path(), PASSPHRASE, FakeClock::at(0))
            .err()
            .map(|e| e.code()),
        Some(Code::NotInitialised)
    );
    let mut client = install(dir.path(), "Amina Bello", FakeClock::at(TOWN_HALL_DAY));
    client.capture(&complaint()).expect("works");
    drop(client);
    Client::open(dir.path(), PASSPHRASE, FakeClock::at(0)).expect("and opens afterwards");
}
