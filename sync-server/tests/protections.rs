//! Issue 10: the promises hold against a real server process — sealed identities only
//! coordinators open, a laptop that cannot choose who it is, an organisation key that cannot be
//! swapped, and sync that never bricks (records the server refuses are set aside, the rest
//! moves; ownership follows the person across re-enrolment).

#[macro_use]
mod common;

use citizens_client::{Client, GrievanceInput, SyncError};
use citizens_protocol::{ErrorCode, RecordKind};
use citizens_test_support::{install_volunteer, FakeClock, TOWN_HALL_DAY};
use common::{fast, start_server_on, Device, Server};

fn report(title: &str) -> GrievanceInput {
    GrievanceInput {
        kind: "corruption_report".into(),
        category: "passports".into(),
        state: "Kano".into(),
        lga: "Tarauni".into(),
        title: title.into(),
        reporter_name: Some("Zainab Danjuma".into()),
        reporter_phone: Some("0803 555 0177".into()),
        consent_purpose_explained: true,
        ..GrievanceInput::default()
    }
}

fn complaint(title: &str) -> GrievanceInput {
    GrievanceInput {
        kind: "complaint".into(),
        category: "water".into(),
        state: "Kano".into(),
        lga: "Fagge".into(),
        title: title.into(),
        anonymous: true,
        consent_purpose_explained: true,
        ..GrievanceInput::default()
    }
}

/// A laptop set up without an organisation key, as the desktop's first run makes it.
fn fresh_volunteer(name: &str) -> (tempfile::TempDir, Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let client = install_volunteer(dir.path(), name, FakeClock::at(TOWN_HALL_DAY));
    (dir, client)
}

fn enrol(client: &mut Client, server: &Server, user: &str, key: &str) {
    let code = server.code("volunteer", user, key);
    client.enroll(&server.url, &code, fast()).expect("enrol");
}

/// A coordinator with one case of hers, synced, assigned to `to`; and the organisation key.
fn coordinator_with_case(server: &Server, title: &str, to: &str) -> (Device, String, String) {
    let mut coordinator = Device::coordinator(server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let case = coordinator
        .client
        .capture(&complaint(title))
        .expect("capture")
        .reference;
    coordinator.client.assign(&case, Some(to)).expect("assign");
    coordinator.sync();
    (coordinator, key, case)
}

fn notes(device: &Device, case: &str) -> Vec<String> {
    device
        .client
        .open_case(case)
        .expect("open")
        .timeline
        .into_iter()
        .map(|e| e.what)
        .collect()
}

fn cannot_open(client: &mut Client, reference: &str) {
    let err = client
        .reveal_identity(reference)
        .expect_err("a volunteer's laptop opens no sealed identity");
    assert_eq!(
        err.to_string(),
        "sealed identity: only your organisation's coordinators can open a sealed identity; this laptop cannot"
    );
}

on_each_backend! {
    fn identities_captured_before_enrolment_open_only_for_the_coordinator(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    assert!(musa.profile().org_key_pending && !musa.profile().holds_org_secret);
    assert_eq!(
        musa.org_public_key()
            .expect_err("no key to hand out")
            .to_string(),
        "organisation key: this laptop has no organisation key yet: it receives it at enrolment"
    );
    let case = musa
        .capture(&report("Officer demanded ₦20,000"))
        .expect("capture")
        .reference;
    cannot_open(&mut musa, &case);

    enrol(&mut musa, &server, "Musa Garba", &key);
    assert!(!musa.profile().org_key_pending);
    assert_eq!(musa.profile().org_public_key, key);
    cannot_open(&mut musa, &case);
    musa.sync(fast(), &mut |_| {}).expect("sync");

    coordinator.sync();
    let opened = coordinator
        .client
        .reveal_identity(&case)
        .expect("the coordinator opens it");
    assert_eq!(opened.name.as_deref(), Some("Zainab Danjuma"));
    assert_eq!(opened.phone.as_deref(), Some("+2348035550177"));
    let timeline = coordinator.client.open_case(&case).expect("open").timeline;
    let last = timeline.last().expect("an entry");
    assert_eq!(
        (last.kind, last.user.as_str()),
        ("identity_opened", "Ngozi Eze"),
        "the reveal is recorded on the case"
    );
    // And it reaches the volunteer's laptop too, like any change to the case.
    coordinator.sync();
    musa.sync(fast(), &mut |_| {}).expect("sync");
    let seen = musa.open_case(&case).expect("open").timeline;
    assert!(seen
        .iter()
        .any(|e| e.kind == "identity_opened" && e.user == "Ngozi Eze"));
}
}

on_each_backend! {
    fn a_substituted_organisation_key_or_plain_http_is_refused_and_nothing_changes(backend) {
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    let code = server.code("volunteer", "Musa Garba", &key);
    // The code as printed, with the fingerprint of another key: what a server (or anyone on the
    // path) answering with its own key looks like to the laptop.
    let mut forged = citizens_protocol::EnrolmentCode::parse(&code).expect("a code");
    forged.fingerprint = citizens_protocol::key_fingerprint("a key the attacker holds");
    match musa.enroll(&server.url, &forged.to_string(), fast()) {
        Err(SyncError::Refused { code, .. }) => assert_eq!(code, ErrorCode::OrgKeyMismatch),
        other => panic!("a key that does not match the code must be refused: {other:?}"),
    }
    assert!(musa.profile().org_key_pending);
    assert_eq!(musa.server().expect("meta"), None, "not enrolled");

    match musa.enroll("http://sync.example.org", &code, fast()) {
        Err(SyncError::InsecureServer(url)) => assert_eq!(url, "http://sync.example.org"),
        other => panic!("plain http to another computer must be refused: {other:?}"),
    }
    match musa.enroll(&server.url, "ABCD-EFGH-JKMN", fast()) {
        Err(SyncError::Refused { code, .. }) => assert_eq!(code, ErrorCode::InvalidCode),
        other => panic!("a code without a fingerprint must be refused: {other:?}"),
    }
    // Unhurt by the forged attempt (the laptop sent only the secret, the server checked it): the
    // real code still works.
    musa.enroll(&server.url, &code, fast()).expect("enrol");
}
}

on_each_backend! {
    fn a_laptop_cannot_choose_who_it_is(backend) {
    let server = start_server_on(backend);
    let (_coordinator, key, hers) =
        coordinator_with_case(&server, "Borehole at Sabon Gari market dry", "Ngozi Eze");

    // A volunteer sets his laptop up under the coordinator's name.
    let (_dir, mut impostor) = fresh_volunteer("Ngozi Eze");
    enrol(&mut impostor, &server, "Musa Garba", &key);
    assert_eq!(impostor.profile().user, "Musa Garba", "the code's person");
    impostor.sync(fast(), &mut |_| {}).expect("sync");
    assert!(
        impostor.open_case(&hers).is_err(),
        "her cases do not reach a laptop that typed her name"
    );
    let mine = impostor
        .capture(&complaint("Pump broken"))
        .expect("capture");
    assert_eq!(mine.created_by.user, "Musa Garba");
}
}

on_each_backend! {
    fn a_laptop_enrolled_again_keeps_pushing_to_its_earlier_cases(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    enrol(&mut musa, &server, "Musa Garba", &key);
    let case = musa
        .capture(&complaint("Transformer down in Fagge"))
        .expect("capture")
        .reference;
    musa.sync(fast(), &mut |_| {}).expect("sync");
    let device = musa
        .store()
        .meta("sync.device_id")
        .expect("meta")
        .expect("enrolled");
    server.admin(&["devices", "revoke", &device]);
    musa.add_note(&case, "Crew promised Friday")
        .expect("note while revoked");

    enrol(&mut musa, &server, "Musa Garba", &key);
    let report = musa
        .sync(fast(), &mut |_| {})
        .expect("sync after enrolling again");
    assert_eq!(report.pushed, 1);
    assert!(report.set_aside.is_empty(), "{:?}", report.set_aside);
    coordinator.sync();
    let notes = notes(&coordinator, &case);
    assert!(
        notes.contains(&"note: Crew promised Friday".to_string()),
        "{notes:?}"
    );
}
}

on_each_backend! {
    /// A case reassigned while its volunteer worked it offline: the notes written while it was
    /// theirs reach the organisation, and the case leaves that laptop (it is someone else's now,
    /// and a laptop holding a case it may not see is never in step).
    fn a_case_reassigned_away_keeps_the_work_done_while_it_was_theirs_and_leaves_the_laptop(backend) {
    let server = start_server_on(backend);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "No water in Kurna for two weeks", "Musa Garba");
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    enrol(&mut musa, &server, "Musa Garba", &key);
    musa.sync(fast(), &mut |_| {}).expect("sync");
    assert!(musa.open_case(&case).is_ok(), "assigned to him");

    // Offline, Musa works the case; meanwhile it is given to Bisi.
    musa.add_note(&case, "Visited the pump house")
        .expect("note");
    let other = musa
        .capture(&complaint("Pipe burst at Dala"))
        .expect("capture")
        .reference;
    coordinator
        .client
        .assign(&case, Some("Bisi Adeleke"))
        .expect("reassign");
    coordinator.sync();

    let report = musa.sync(fast(), &mut |_| {}).expect("sync does not fail");
    assert!(report.set_aside.is_empty(), "{:?}", report.set_aside);
    assert_eq!((report.removed, report.in_step), (1, true));
    assert!(
        musa.open_case(&case).map_err(|e| e.code()).err() == Some(citizens_client::Code::NotFound),
        "the case left his laptop"
    );
    assert!(musa.open_case(&other).is_ok(), "his own case stays");
    coordinator.sync();
    assert!(notes(&coordinator, &case).contains(&"note: Visited the pump house".to_string()));
    assert!(coordinator.client.open_case(&other).is_ok(), "the rest moved");

    // Syncing again is quiet and in step.
    let again = musa.sync(fast(), &mut |_| {}).expect("sync again");
    assert_eq!((again.removed, again.in_step, again.fetched), (0, true, 0));

    // Assigned back, the case returns whole, with his note.
    coordinator
        .client
        .assign(&case, Some("Musa Garba"))
        .expect("assign back");
    coordinator.sync();
    let back = musa.sync(fast(), &mut |_| {}).expect("sync");
    assert!(back.in_step);
    let view = musa.open_case(&case).expect("back on his laptop");
    let notes_back: Vec<&str> = view.grievance.notes().collect();
    assert!(notes_back.contains(&"Visited the pump house"), "{notes_back:?}");
}
}

on_each_backend! {
    /// A volunteer never given a case cannot write to it by basing a change on an old version:
    /// what counts is who the case was assigned to in the version the change was written on.
    fn work_on_a_case_that_was_never_yours_is_set_aside(backend) {
    let server = start_server_on(backend);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "Meter tampering at Zoo Road", "Musa Garba");
    let (_dir, mut bisi) = fresh_volunteer("Bisi Adeleke");
    enrol(&mut bisi, &server, "Bisi Adeleke", &key);
    // Bisi gets the case by hand (a bundle, a copied file) and writes on it.
    let id = coordinator.client.open_case(&case).expect("case").grievance.id.uuid();
    let export = coordinator.client.store().export(id).expect("export");
    bisi.store().merge_from_server(&export).expect("merge");
    bisi.add_note(&case, "Not my case, but here is a note").expect("note");
    let report = bisi.sync(fast(), &mut |_| {}).expect("sync does not fail");
    let held: Vec<(Option<&str>, &str)> = report
        .set_aside
        .iter()
        .map(|r| (r.reference.as_deref(), r.code.as_str()))
        .collect();
    assert_eq!(held, [(Some(case.as_str()), "not_yours")]);
    coordinator.sync();
    assert!(!notes(&coordinator, &case).iter().any(|n| n.contains("Not my case")));
}
}

on_each_backend! {
    /// Issue 26 (4): an attachment the server will not take (its case is set aside) is refused
    /// at once; the laptop treats the refusal as final for this sync, never as "connection
    /// trouble" to retry (the empty 403 to its `HEAD` once read as a cut answer: ~37 s of
    /// retries at every sync).
    fn an_attachment_refused_is_not_retried(backend) {
    let server = start_server_on(backend);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "Meter tampering at Zoo Road", "Musa Garba");
    let mut bisi = Device::volunteer(&server, "Bisi Adeleke", &key);
    let id = coordinator.client.open_case(&case).expect("case").grievance.id.uuid();
    let export = coordinator.client.store().export(id).expect("export");
    bisi.client.store().merge_from_server(&export).expect("merge");
    let sha = bisi
        .client
        .attach_bytes(&case, "meter.jpg", b"a photo of the meter")
        .expect("attach")
        .grievance
        .attachments[0]
        .sha256
        .clone();
    let mut retried = 0;
    let report = bisi
        .client
        .sync(fast(), &mut |p| {
            if matches!(p, citizens_client::Progress::Retrying(_)) {
                retried += 1;
            }
        })
        .expect("sync does not fail");
    assert_eq!(retried, 0, "a refusal is final");
    assert_eq!((report.attachments_uploaded, report.attachments_waiting), (0, 1));
    // And the server's refusal to a HEAD says no encoding for the body it does not send.
    let token = bisi.access_token(&server.url);
    let head = reqwest::blocking::Client::new()
        .head(format!("{}/v1/blobs/{sha}", server.url))
        .header("accept-encoding", "gzip")
        .bearer_auth(token)
        .send()
        .expect("answer");
    assert_eq!(head.status().as_u16(), 403);
    assert_eq!(head.headers().get("content-encoding"), None);
}
}

on_each_backend! {
    fn a_rulebook_edit_made_before_enrolment_is_set_aside_and_sync_goes_on(backend) {
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    musa.add_holiday("2026-12-31", "Our own holiday")
        .expect("not enrolled yet: allowed locally");
    musa.capture(&complaint("Streetlights off on Zoo Road"))
        .expect("capture");
    enrol(&mut musa, &server, "Musa Garba", &key);
    let report = musa.sync(fast(), &mut |_| {}).expect("sync does not fail");
    let codes: Vec<(&str, &str)> = report
        .set_aside
        .iter()
        .map(|r| (r.kind.as_str(), r.code.as_str()))
        .collect();
    assert_eq!(codes, [("rulebook", "reference_data")]);
    assert_eq!(report.pushed, 2, "both went; the case was taken");
    assert_eq!(musa.sync_status().expect("status").pending_changes, 0);
}
}

on_each_backend! {
    fn a_form_photo_of_a_sealed_case_reaches_the_server_sealed_and_opens_only_for_the_coordinator(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let (dir, mut musa) = fresh_volunteer("Musa Garba");
    let case = musa
        .capture(&report("Officer demanded ₦20,000"))
        .expect("capture")
        .reference;
    let photo = b"FORMPHOTOMARKER Zainab Danjuma, 0803 555 0177 ".repeat(200);
    let file = dir.path().join("form-0042.jpg");
    std::fs::write(&file, &photo).expect("write");
    musa.attach(&case, &file).expect("attach before enrolment");
    enrol(&mut musa, &server, "Musa Garba", &key);
    let sha = musa.open_case(&case).expect("open").grievance.attachments[0]
        .sha256
        .clone();
    let err = musa
        .attachment(&sha)
        .expect_err("the volunteer cannot open it");
    assert_eq!(
        err.to_string(),
        "attachment: this file belongs to a sealed case: only your organisation's coordinators can open it"
    );
    assert_eq!(
        musa.sync(fast(), &mut |_| {})
            .expect("sync")
            .attachments_uploaded,
        1
    );

    let marker = b"FORMPHOTOMARKER";
    for (_, bytes) in server.blob_files() {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker),
            "the server holds the photo sealed, never in the clear"
        );
    }
    coordinator.sync();
    assert_eq!(coordinator.client.attachment(&sha).expect("opens"), photo);
    let timeline = coordinator.client.open_case(&case).expect("open").timeline;
    assert!(timeline
        .iter()
        .any(|e| e.kind == "sealed_file_opened" && e.user == "Ngozi Eze"));
}
}

on_each_backend! {
    /// Issue 10 (6): one organisation's edits to shared reference data (here the rulebook's
    /// holidays) are its own: they reach its devices and no other organisation's.
    fn an_organisations_edits_to_reference_data_reach_only_its_own_devices(backend) {
    let server = start_server_on(backend);
    let mut kano = Device::coordinator(&server, "Ngozi Eze");
    let key = kano.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let lagos_dir = tempfile::tempdir().expect("tempdir");
    let mut lagos = citizens_test_support::install(
        lagos_dir.path(),
        "Tunde Bakare",
        FakeClock::at(TOWN_HALL_DAY),
    );
    let lagos_key = lagos.profile().org_public_key.clone();
    let code = server.admin(&[
        "enroll",
        "--role",
        "coordinator",
        "--org",
        "Lagos Accountability Network",
        "--org-public-key",
        &lagos_key,
        "--user",
        "Tunde Bakare",
    ]);
    lagos.enroll(&server.url, &code, fast()).expect("enrol");

    kano.client
        .add_holiday("2026-12-31", "Kano forum retreat")
        .expect("holiday");
    kano.sync();
    lagos
        .add_holiday("2026-12-30", "Lagos network day")
        .expect("holiday");
    let report = lagos.sync(fast(), &mut |_| {}).expect("sync");
    assert!(report.set_aside.is_empty(), "{:?}", report.set_aside);
    kano.sync();
    musa.sync();

    let days = |client: &Client| -> Vec<String> {
        let book = client.rulebook().expect("rulebook");
        ["2026-12-30", "2026-12-31"]
            .into_iter()
            .filter(|d| book.holidays.contains_key(*d))
            .map(String::from)
            .collect()
    };
    assert_eq!(days(&kano.client), ["2026-12-31"]);
    assert_eq!(
        days(&musa.client),
        ["2026-12-31"],
        "the organisation's volunteer gets it"
    );
    assert_eq!(
        days(&lagos),
        ["2026-12-30"],
        "the other organisation does not"
    );

    // A laptop of Lagos set up afresh receives Lagos's copy whole, not Kano's.
    let fresh_dir = tempfile::tempdir().expect("tempdir");
    let mut fresh = Client::init(
        fresh_dir.path(),
        citizens_test_support::PASSPHRASE,
        citizens_client::InitOptions {
            user: "Bisi Adeleke".into(),
            organisation: "Lagos Accountability Network".into(),
            device_name: None,
            org_key: citizens_client::OrgKey::Known(lagos_key.clone()),
        },
        FakeClock::at(TOWN_HALL_DAY),
    )
    .expect("install");
    let code = server.admin(&[
        "enroll",
        "--role",
        "volunteer",
        "--org",
        "Lagos Accountability Network",
        "--user",
        "Bisi Adeleke",
    ]);
    fresh.enroll(&server.url, &code, fast()).expect("enrol");
    fresh.sync(fast(), &mut |_| {}).expect("sync");
    assert_eq!(days(&fresh), ["2026-12-30"]);
}
}

on_each_backend! {
    /// Issue 10 (4): a bundle carries records its importer may not change: they are set aside, the
    /// importer's own work moves, and once their owner has synced them nothing is left aside.
    fn records_from_a_bundle_the_importer_may_not_change_are_set_aside_not_bricking(backend) {
    let server = start_server_on(backend);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "Meter tampering at Zoo Road", "Ngozi Eze");
    coordinator
        .client
        .add_note(&case, "Called the area office")
        .expect("a note not yet synced");
    let stick = coordinator.path().join("stick.ccbundle");
    coordinator
        .client
        .export_bundle(
            std::fs::File::create(&stick).expect("file"),
            "usb stick passphrase",
            None,
        )
        .expect("export");
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    enrol(&mut musa, &server, "Musa Garba", &key);
    musa.import_bundle(
        std::fs::File::open(&stick).expect("file"),
        "usb stick passphrase",
    )
    .expect("import");
    let own = musa
        .capture(&complaint("Pump broken"))
        .expect("capture")
        .reference;
    let report = musa.sync(fast(), &mut |_| {}).expect("sync does not fail");
    let held: Vec<(Option<&str>, &str)> = report
        .set_aside
        .iter()
        .map(|r| (r.reference.as_deref(), r.code.as_str()))
        .collect();
    assert_eq!(held, [(Some(case.as_str()), "not_yours")]);
    coordinator.sync();
    assert!(
        coordinator.client.open_case(&own).is_ok(),
        "his own case moved"
    );
    let again = musa.sync(fast(), &mut |_| {}).expect("sync");
    assert!(
        again.set_aside.is_empty(),
        "the server has them now: {:?}",
        again.set_aside
    );
    // Not his to see: once the server holds it all, it leaves his laptop.
    assert_eq!((again.removed, again.in_step), (1, true));
    assert!(musa.open_case(&case).is_err());
}
}

on_each_backend! {
    /// Issue 10 (4): changes written under another person's device's writer id are refused, so the
    /// real device never meets a duplicate sequence number.
    fn changes_under_another_devices_writer_id_are_refused(backend) {
    use automerge::transaction::Transactable as _;
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let mut bisi = Device::volunteer(&server, "Bisi Adeleke", &key);
    let musa_actor = musa
        .client
        .store()
        .meta("actor")
        .expect("meta")
        .expect("actor");
    let hers = bisi
        .client
        .capture(&complaint("Pipe burst at Dala"))
        .expect("capture");
    bisi.sync();
    // Bisi edits her own case under Musa's writer id.
    let export = bisi.client.store().export(hers.id.uuid()).expect("export");
    let mut doc = automerge::AutoCommit::load(&export.changes[0])
        .expect("load")
        .with_actor(automerge::ActorId::from(
            hex::decode(&musa_actor).expect("hex"),
        ));
    doc.put(automerge::ROOT, "title", "Written as Musa")
        .expect("put");
    doc.commit();
    let token = bisi.access_token(&server.url);
    assert_eq!(
        refused_codes(
            &server,
            &token,
            RecordKind::Grievance,
            hers.id.uuid(),
            &mut doc
        ),
        ["actor_taken"]
    );
    // Musa's own work is untouched.
    musa.client
        .capture(&complaint("Streetlights off"))
        .expect("capture");
    assert!(musa.sync().set_aside.is_empty());
}
}

on_each_backend! {
    /// Issue 26 (5): a volunteer cannot take back a case reassigned away with a change written
    /// on the version that was theirs, setting the assignee to themselves with an operation
    /// counter far ahead, so that it wins Automerge's last-writer order over the reassignment.
    fn a_case_reassigned_away_cannot_be_taken_back_by_a_change_on_the_old_version(backend) {
    use automerge::transaction::Transactable as _;
    let server = start_server_on(backend);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "No water in Kurna for two weeks", "Musa Garba");
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    musa.sync();
    let id = musa.client.open_case(&case).expect("his").grievance.id.uuid();
    let theirs = musa.client.store().export(id).expect("export");
    coordinator
        .client
        .assign(&case, Some("Bisi Adeleke"))
        .expect("reassign");
    coordinator.sync();

    let mut doc = written_by(&mut musa.client, id, Some(&theirs.changes[0]));
    for i in 0..1_000 {
        doc.put(automerge::ROOT, "padding", i).expect("put");
    }
    // Written twice: Automerge skips a put of the value a key already holds.
    doc.put(automerge::ROOT, "assignee", "").expect("put");
    doc.put(automerge::ROOT, "assignee", "Musa Garba").expect("put");
    doc.commit();
    let token = musa.access_token(&server.url);
    assert_eq!(
        refused_codes(&server, &token, RecordKind::Grievance, id, &mut doc),
        ["not_yours"]
    );
    assert_eq!(
        coordinator.client.open_case(&case).expect("case").grievance.assignee.as_deref(),
        Some("Bisi Adeleke"),
        "the case stays with the person it was given to"
    );
}
}

on_each_backend! {
    /// Issue 26 (4): each organisation keeps its own attachments. Another organisation that
    /// names a file's digest (it knows the file, not holds it) is answered as for an unknown
    /// file before and after the file is stored, cannot fetch it, and cannot block the owner's
    /// case by naming the digest first.
    fn an_organisation_can_neither_detect_fetch_nor_block_anothers_attachment(backend) {
    use automerge::transaction::Transactable as _;
    use automerge::ReadDoc as _;
    use sha2::Digest as _;
    let server = start_server_on(backend);
    let mut kano = Device::coordinator(&server, "Ngozi Eze");
    let lagos_dir = tempfile::tempdir().expect("tempdir");
    let mut lagos = citizens_test_support::install(
        lagos_dir.path(),
        "Tunde Bakare",
        FakeClock::at(TOWN_HALL_DAY),
    );
    let lagos_key = lagos.profile().org_public_key.clone();
    let code = server.admin(&[
        "enroll", "--role", "coordinator", "--org", "Lagos Accountability Network",
        "--org-public-key", &lagos_key, "--user", "Tunde Bakare",
    ]);
    lagos.enroll(&server.url, &code, fast()).expect("enrol");
    let mut lagos = Device { dir: lagos_dir, client: lagos };

    // The form photo Kano will attach; Lagos knows its digest, not its bytes.
    let photo = b"Kano form 17: the reporter's handwriting".to_vec();
    let sha = hex::encode(sha2::Sha256::digest(&photo));
    let theirs = lagos.client.capture(&complaint("Pipe burst at Ikeja")).expect("capture");
    lagos
        .client
        .attach_bytes(&theirs.reference, "own.jpg", b"Lagos's own photo")
        .expect("attach");
    lagos.sync();
    let mut doc = written_by(&mut lagos.client, theirs.id.uuid(), None);
    let (_, list) = doc.get(automerge::ROOT, "attachments").expect("get").expect("attachments");
    let (_, first) = doc.get(&list, 0).expect("get").expect("the attachment");
    doc.put(&first, "sha256", sha.as_str()).expect("put");
    doc.commit();
    let token = lagos.access_token(&server.url);
    assert_eq!(
        refused_codes(&server, &token, RecordKind::Grievance, theirs.id.uuid(), &mut doc),
        Vec::<String>::new(),
        "a digest nobody stored: taken"
    );

    // Kano's case with the photo is not blocked by Lagos naming it first.
    let ours = kano.client.capture(&complaint("Meter tampering at Zoo Road")).expect("capture");
    kano.client.attach_bytes(&ours.reference, "form-17.jpg", &photo).expect("attach");
    let report = kano.sync();
    assert!(report.set_aside.is_empty(), "{:?}", report.set_aside);
    assert_eq!((report.attachments_uploaded, report.attachments_waiting), (1, 0));

    // Now that Kano holds it, Lagos is answered exactly as before, and fetches nothing.
    doc.put(automerge::ROOT, "padding", 1).expect("put");
    doc.commit();
    assert_eq!(
        refused_codes(&server, &token, RecordKind::Grievance, theirs.id.uuid(), &mut doc),
        Vec::<String>::new(),
        "a digest another organisation stored: taken alike"
    );
    let fetched = reqwest::blocking::Client::new()
        .get(format!("{}/v1/blobs/{sha}", server.url))
        .bearer_auth(&token)
        .send()
        .expect("answer");
    assert_eq!(fetched.status().as_u16(), 404, "Lagos holds no such file");
    let kano_again = kano.sync();
    assert!(kano_again.set_aside.is_empty(), "{:?}", kano_again.set_aside);
}
}

on_each_backend! {
    /// Issue 26 (3): a device's change that writes text with a control character (a title that
    /// would erase a line and retitle the coordinator's terminal) is refused on its own; the
    /// rest of the laptop's work goes on.
    fn text_with_control_characters_from_a_device_is_refused_per_record(backend) {
    use automerge::transaction::Transactable as _;
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.key();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let his = musa.client.capture(&complaint("Pipe burst at Dala")).expect("capture");
    musa.sync();
    let mut doc = written_by(&mut musa.client, his.id.uuid(), None);
    doc.put(automerge::ROOT, "title", "\u{1b}]0;owned\u{7}\u{1b}[2K\rNothing to see")
        .expect("put");
    doc.commit();
    let token = musa.access_token(&server.url);
    assert_eq!(
        refused_codes(&server, &token, RecordKind::Grievance, his.id.uuid(), &mut doc),
        ["control_characters"]
    );
    musa.client.capture(&complaint("Streetlights off")).expect("capture");
    assert!(musa.sync().set_aside.is_empty(), "the rest goes on");
}
}

/// Attachments stored before organisations kept their own (`blobs/{sha}`) go, when the
/// server starts, to the organisation whose records name them, and are served from there.
#[test]
fn attachments_of_the_earlier_layout_go_to_their_organisation_at_start() {
    let mut server = start_server_on(common::Backend::Sqlite);
    let (mut coordinator, key, case) =
        coordinator_with_case(&server, "Meter tampering at Zoo Road", "Musa Garba");
    let photo = b"a form photo stored before this release".to_vec();
    let sha = coordinator
        .client
        .attach_bytes(&case, "form.jpg", &photo)
        .expect("attach")
        .grievance
        .attachments[0]
        .sha256
        .clone();
    assert_eq!(coordinator.sync().attachments_uploaded, 1);
    server.while_stopped(|dir| {
        let blobs = dir.join("blobs");
        std::fs::rename(blobs.join("orgs/1").join(&sha), blobs.join(&sha)).expect("old layout");
    });
    // Nothing is served before the move (the first answer waits for it).
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    assert_eq!(musa.sync().attachments_downloaded, 1);
    assert_eq!(musa.client.attachment(&sha).expect("served"), photo);
    assert_eq!(
        server
            .blob_files()
            .into_iter()
            .map(|(name, _)| name)
            .collect::<Vec<_>>(),
        [format!("orgs/1/{sha}")]
    );
}

/// Only a release writes under the shipped data's writer id: a coordinator's change under it is
/// refused (it would take the sequence number the next release needs), and a server already
/// holding such a change in an organisation's copy still starts, that copy keeping what it had.
#[test]
fn changes_under_the_shipped_datas_writer_are_refused_and_never_stop_the_server() {
    use automerge::transaction::Transactable as _;
    let mut server = start_server_on(common::Backend::Sqlite);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let forged = |mut doc: automerge::AutoCommit| {
        let mut doc = doc.fork().with_actor(citizens_core::seed::actor());
        doc.put(
            automerge::ROOT,
            "mandate",
            "Forged under the shipped writer",
        )
        .expect("put");
        doc.commit();
        doc
    };
    let nis = citizens_core::seed::shipped_agencies()
        .expect("agencies")
        .into_iter()
        .find(|a| a.value.short_name == "NIS")
        .expect("NIS");
    let mut doc = forged(nis.document.clone());
    let token = coordinator.access_token(&server.url);
    assert_eq!(
        refused_codes(
            &server,
            &token,
            RecordKind::Agency,
            nis.value.id.uuid(),
            &mut doc
        ),
        ["actor_taken"]
    );

    // Such a change stored before they were refused: an organisation's copy of an article at
    // the first release, with a forged change where this release's revision goes.
    let article = citizens_core::seed::shipped_articles()
        .expect("articles")
        .remove(0);
    let mut shipped = article.document.clone();
    let first = shipped.get_changes(&[])[0].hash();
    let mut held = forged(shipped.fork_at(&[first]).expect("the first release"));
    let id = article.value.id.uuid().to_string();
    server.while_stopped(|dir| {
        let db = rusqlite::Connection::open(dir.join("server.db")).expect("db");
        db.execute(
            "INSERT INTO org_reference (org_id, doc_id, snapshot) SELECT id, ?1, ?2 FROM orgs",
            rusqlite::params![id, held.save()],
        )
        .expect("the forged copy");
    });
    // The server started (while_stopped waits for it) and says which copy kept what it had.
    assert!(
        server
            .log()
            .contains("could not take this release's shipped data"),
        "{}",
        server.log()
    );
    let db = rusqlite::Connection::open(server.dir.path().join("server.db")).expect("db");
    let kept: Vec<u8> = db
        .query_row(
            "SELECT snapshot FROM org_reference WHERE doc_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .expect("the organisation's copy");
    assert_eq!(kept, held.save(), "kept as it was");
}

/// A laptop upgraded before its server: a coordinator's edit to shipped reference data that
/// builds on the newer release's shipped change is set aside (it waits on the laptop, offered
/// again at every sync), not a refusal of the whole batch that would stop every sync.
#[test]
fn an_edit_built_on_a_newer_release_than_the_servers_waits_and_sync_goes_on() {
    use automerge::transaction::Transactable as _;
    let server = start_server_on(common::Backend::Sqlite);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let actor = coordinator
        .client
        .store()
        .meta("actor")
        .expect("meta")
        .expect("actor");
    let mut article = citizens_core::seed::shipped_articles()
        .expect("articles")
        .remove(0);
    // The next release's change to the article, which this server does not hold yet …
    let mut next = article
        .document
        .fork()
        .with_actor(citizens_core::seed::actor());
    next.put(automerge::ROOT, "slug", "as-the-next-release-words-it")
        .expect("put");
    next.commit();
    // … and the coordinator's edit on top of it.
    let mut edited = next
        .fork()
        .with_actor(automerge::ActorId::from(hex::decode(&actor).expect("hex")));
    edited
        .put(automerge::ROOT, "slug", "edited-by-the-coordinator")
        .expect("put");
    edited.commit();
    let token = coordinator.access_token(&server.url);
    assert_eq!(
        refused_codes(
            &server,
            &token,
            RecordKind::Article,
            article.value.id.uuid(),
            &mut edited
        ),
        ["newer_release"]
    );
    // The coordinator's other work syncs on.
    coordinator
        .client
        .capture(&complaint("Streetlights off"))
        .expect("capture");
    let report = coordinator.sync();
    assert_eq!((report.pushed, report.set_aside.len()), (1, 0));
    assert!(
        report.in_step,
        "the server kept its copy of the article as it was"
    );
}

/// Record `id` as `client` holds it (or `snapshot`, an earlier copy), to write on by hand under
/// the laptop's own writer id.
fn written_by(
    client: &mut Client,
    id: uuid::Uuid,
    snapshot: Option<&[u8]>,
) -> automerge::AutoCommit {
    let actor = client.store().meta("actor").expect("meta").expect("actor");
    let held = match snapshot {
        Some(bytes) => bytes.to_vec(),
        None => client.store().export(id).expect("export").changes[0].to_vec(),
    };
    automerge::AutoCommit::load(&held)
        .expect("load")
        .with_actor(automerge::ActorId::from(hex::decode(&actor).expect("hex")))
}

/// Push `doc`'s last change to record `doc_id` as a laptop would: the codes of what the server
/// refused.
fn refused_codes(
    server: &Server,
    token: &str,
    kind: RecordKind,
    doc_id: uuid::Uuid,
    doc: &mut automerge::AutoCommit,
) -> Vec<String> {
    use citizens_protocol::{decode, encode, Push, SyncRequest, SyncResponse, CONTENT_TYPE};
    let change = doc
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    let request = SyncRequest {
        version: citizens_protocol::PROTOCOL_VERSION,
        batch_id: uuid::Uuid::now_v7(),
        since: 0,
        pushes: vec![Push {
            doc_id,
            kind,
            changes: vec![change.into()],
        }],
    };
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/v1/sync", server.url))
        .header("content-type", CONTENT_TYPE)
        .bearer_auth(token)
        .body(encode(&request))
        .send()
        .expect("answer");
    assert_eq!(answer.status().as_u16(), 200);
    let answer: SyncResponse = decode(&answer.bytes().expect("body")).expect("cbor");
    answer.refused.into_iter().map(|r| r.code).collect()
}

/// Issue 26 (5): a laptop follows no redirect. A 307 from the server's address to another
/// (plain http://, another host) would resend the body — the enrolment code's secret, tokens,
/// changes — where it points; the laptop says it did not reach its server and sends nothing on.
#[test]
fn a_laptop_never_follows_a_redirect() {
    use std::io::{Read as _, Write as _};
    let server = start_server_on(common::Backend::Sqlite);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let code = server.code("volunteer", "Musa Garba", &key);
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    elsewhere.set_nonblocking(true).expect("non-blocking");
    let redirecting = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let to = format!(
        "http://127.0.0.1:{}/v1/enroll",
        elsewhere.local_addr().expect("addr").port()
    );
    let url = format!(
        "http://127.0.0.1:{}",
        redirecting.local_addr().expect("addr").port()
    );
    let answering = std::thread::spawn(move || {
        let (mut stream, _) = redirecting.accept().expect("the laptop asks");
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buf).expect("read");
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        let answer = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(answer.as_bytes()).expect("answer");
    });
    let (_dir, mut musa) = fresh_volunteer("Musa Garba");
    let err = musa
        .enroll(&url, &code, fast())
        .expect_err("a redirect is not our server's answer");
    answering.join().expect("answered");
    assert_eq!(
        err.to_string(),
        "the network answered with something that is not the Citizens Connect server (HTTP 307 Temporary Redirect); are you behind a Wi-Fi login page?"
    );
    assert!(
        matches!(elsewhere.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "nothing was sent where the redirect pointed"
    );
}
