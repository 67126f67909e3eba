//! Devices and a real `citizens-server` process: convergence, scopes, revocation, replays,
//! faults on the wire, a server killed mid-sync, and USB bundles.

#[macro_use]
mod common;

use citizens_protocol::ErrorCode;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citizens_client::{Filter, Sort, SyncError};
use citizens_core::grievance::Grievance;
use citizens_core::lifecycle::Status;
use citizens_test_support::proxy::{Fault, Proxy};
use common::{fast, start_server_on, Device};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

fn capture(device: &mut Device, n: usize, rng: &mut impl Rng) -> Vec<String> {
    (0..n)
        .map(|_| {
            device
                .client
                .capture(&citizens_test_support::grievance(rng))
                .expect("capture")
                .reference
        })
        .collect()
}

fn case(device: &mut Device, reference: &str) -> Grievance {
    let view = device.client.open_case(reference).expect("open case");
    view.grievance
}

on_each_backend! {
    fn two_volunteers_and_a_coordinator_converge_and_see_only_their_scope(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let mut bisi = Device::volunteer(&server, "Bisi Adeleke", &key);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);

    // Offline capture on all three.
    let musa_cases = capture(&mut musa, 3, &mut rng);
    let bisi_cases = capture(&mut bisi, 2, &mut rng);
    let coordinator_cases = capture(&mut coordinator, 1, &mut rng);

    for _ in 0..2 {
        let mut order = [0, 1, 2];
        order.shuffle(&mut rng);
        for i in order {
            [&mut coordinator, &mut musa, &mut bisi][i].sync();
        }
    }
    let all: BTreeSet<String> = musa_cases
        .iter()
        .chain(&bisi_cases)
        .chain(&coordinator_cases)
        .cloned()
        .collect();
    assert_eq!(
        coordinator
            .references()
            .into_iter()
            .collect::<BTreeSet<_>>(),
        all,
        "the coordinator holds everything"
    );
    assert_eq!(
        musa.references(),
        {
            let mut m = musa_cases.clone();
            m.sort();
            m
        },
        "a volunteer never receives another's records"
    );
    assert_eq!(bisi.references(), {
        let mut b = bisi_cases.clone();
        b.sort();
        b
    });

    // The coordinator assigns one of Musa's cases to Bisi: it reaches Bisi whole.
    let shared = musa_cases[0].clone();
    coordinator
        .client
        .assign(&shared, Some("Bisi Adeleke"))
        .expect("assign");
    coordinator.sync();
    let report = bisi.sync();
    assert!(report.fetched >= 1, "{report:?}");
    assert!(bisi.references().contains(&shared));
    musa.sync();

    // Concurrent offline edits of the same case on all three devices.
    musa.client
        .add_note(&shared, "Musa: visited the office")
        .expect("note");
    musa.client
        .change_status(&shared, "triaged", None)
        .expect("triage");
    bisi.client
        .add_note(&shared, "Bisi: called the citizen")
        .expect("note");
    bisi.client
        .change_status(&shared, "withdrawn", Some("citizen withdrew".into()))
        .expect("withdraw");
    coordinator
        .client
        .add_note(&shared, "Ngozi: letter drafted")
        .expect("note");
    coordinator
        .client
        .change_status(&shared, "forwarded", None)
        .expect("forward");

    for _ in 0..2 {
        let mut order = [0, 1, 2];
        order.shuffle(&mut rng);
        for i in order {
            [&mut coordinator, &mut musa, &mut bisi][i].sync();
        }
    }
    let cases: Vec<Grievance> = [&mut coordinator, &mut musa, &mut bisi]
        .into_iter()
        .map(|d| case(d, &shared))
        .collect();
    for g in &cases {
        let notes: BTreeSet<&str> = g.notes().collect();
        assert_eq!(notes.len(), 3, "no note lost: {notes:?}");
        assert_eq!(g.status_history.len(), 4, "no history entry lost");
        assert_eq!(
            g.status().conflict,
            vec![Status::Triaged, Status::Forwarded, Status::Withdrawn]
        );
        assert_eq!(g.status_history, cases[0].status_history);
    }
    let conflicts = coordinator
        .client
        .list(
            &Filter {
                conflicts_only: true,
                ..Filter::default()
            },
            Sort::Newest,
            0,
            10,
        )
        .expect("list");
    assert_eq!(
        conflicts
            .rows
            .iter()
            .map(|r| r.reference.as_str())
            .collect::<Vec<_>>(),
        [shared.as_str()],
        "the coordinator sees the conflict"
    );

    coordinator
        .client
        .settle_status(
            &shared,
            "forwarded",
            Some("agency letter already sent".into()),
        )
        .expect("settle");
    coordinator.sync();
    musa.sync();
    bisi.sync();
    for d in [&mut coordinator, &mut musa, &mut bisi] {
        let g = case(d, &shared);
        assert!(g.status().conflict.is_empty());
        assert_eq!(g.status().current, Status::Forwarded);
    }
    let idle = musa.sync();
    assert_eq!((idle.pushed, idle.pulled), (0, 0));
    assert!(
        idle.bytes_up + idle.bytes_down < 1024,
        "idle sync stays under 1 KB: {idle:?}"
    );
    assert!(idle.in_step);
}
}

on_each_backend! {
    fn a_revoked_device_is_refused_at_its_next_request(backend) {
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    musa.sync();
    let id = musa
        .client
        .store()
        .meta("sync.device_id")
        .expect("meta")
        .expect("enrolled");
    assert!(server.admin(&["devices", "list"]).contains(&id));
    server.admin(&["devices", "revoke", &id]);
    match musa.client.sync(fast(), &mut |_| {}) {
        Err(SyncError::Refused { code, message }) => {
            assert_eq!(code, ErrorCode::Revoked);
            assert!(message.contains("revoked"), "{message}");
        }
        other => panic!("a revoked device must be refused, got {other:?}"),
    }
}
}

on_each_backend! {
    fn enrolment_codes_are_one_time_and_checked(backend) {
    let server = start_server_on(backend);
    let coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let code = server.code("volunteer", "Musa Garba", &key);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut first = citizens_test_support::install_volunteer(
        dir.path(),
        "Musa Garba",
        citizens_test_support::FakeClock::at(0),
    );
    first.enroll(&server.url, &code, fast()).expect("first use");
    let dir2 = tempfile::tempdir().expect("tempdir");
    let mut second = citizens_test_support::install_volunteer(
        dir2.path(),
        "Bisi Adeleke",
        citizens_test_support::FakeClock::at(0),
    );
    match second.enroll(&server.url, &code, fast()) {
        Err(SyncError::Refused { code, message }) => {
            assert_eq!(code, ErrorCode::InvalidCode);
            assert!(message.contains("already used"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        second.enroll(&server.url, "AAAA-BBBB-CCCC", fast()),
        Err(SyncError::Refused { .. })
    ));
    // Rate limit: after ten attempts in a minute the server says so.
    let unknown = citizens_protocol::EnrolmentCode {
        secret: "AAAABBBBCCCC".into(),
        fingerprint: citizens_protocol::key_fingerprint(&key),
    }
    .to_string();
    let mut limited = false;
    for _ in 0..12 {
        if let Err(SyncError::Network(msg)) = second.enroll(
            &server.url,
            &unknown,
            citizens_client::RetryPolicy {
                attempts: 1,
                ..fast()
            },
        ) {
            limited = msg.contains("too many");
        }
    }
    assert!(limited, "enrolment attempts are rate-limited");
}
}

on_each_backend! {
    fn replayed_and_faulty_requests_still_converge_with_exactly_one_record_each(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let plan_rng = Arc::new(Mutex::new(rand::rngs::StdRng::seed_from_u64(12)));
    let faults = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let injected = faults.clone();
    let proxy = Proxy::start(
        &server.url,
        move |_, _| {
            let mut rng = plan_rng.lock().expect("rng");
            let pick = rng.gen_range(0..10);
            if pick < 7 {
                injected.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            match pick {
                0 => Fault::ResetBefore,
                1 => Fault::ResetAfter,
                2 => Fault::Cut,
                3 => Fault::Delay(Duration::from_millis(rng.gen_range(1..30))),
                4..=6 => Fault::Replay(rng.gen_range(1..=5)),
                _ => Fault::Pass,
            }
        },
        || {},
    );
    musa.client
        .store()
        .set_meta("sync.server", &proxy.url)
        .expect("route through proxy");
    let mut captured = Vec::new();
    for _ in 0..6 {
        captured.extend(capture(&mut musa, 7, &mut rng));
        let _ = musa.client.sync(fast(), &mut |_| {});
    }
    let settled = (0..30).any(|_| musa.client.sync(fast(), &mut |_| {}).is_ok());
    assert!(
        settled,
        "sync succeeds within 30 tries through the faulty link"
    );
    coordinator.sync();
    captured.sort();
    assert_eq!(
        coordinator.references(),
        captured,
        "every capture arrived exactly once"
    );
    assert_eq!(musa.client.store().outbox_len().expect("outbox"), 0);
    assert!(
        faults.load(std::sync::atomic::Ordering::SeqCst) >= 5,
        "faults were exercised"
    );
    assert!(proxy.requests.load(std::sync::atomic::Ordering::SeqCst) >= 7);
}
}

on_each_backend! {
    fn a_server_killed_mid_sync_loses_nothing_acknowledged(backend) {
    let server = Arc::new(Mutex::new(start_server_on(backend)));
    let url = server.lock().expect("server").url.clone();
    let mut coordinator = Device::coordinator(&server.lock().expect("server"), "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server.lock().expect("server"), "Musa Garba", &key);
    let kills = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (victim, counter) = (server.clone(), kills.clone());
    let proxy = Proxy::start(
        &url,
        |n, _| {
            if n % 3 == 1 {
                Fault::HookAfter
            } else {
                Fault::Pass
            }
        },
        move || {
            victim.lock().expect("server").kill_and_restart();
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        },
    );
    musa.client
        .store()
        .set_meta("sync.server", &proxy.url)
        .expect("route through proxy");
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut acknowledged = Vec::new();
    for _ in 0..5 {
        let batch = capture(&mut musa, 10, &mut rng);
        if musa.client.sync(fast(), &mut |_| {}).is_ok() {
            acknowledged.extend(batch);
        }
    }
    assert!(
        kills.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the server was killed mid-sync"
    );
    coordinator.sync();
    let held: BTreeSet<String> = coordinator.references().into_iter().collect();
    for reference in &acknowledged {
        assert!(held.contains(reference), "acknowledged {reference} lost");
    }
    // And once the network behaves, everything arrives.
    musa.client
        .store()
        .set_meta("sync.server", &url)
        .expect("direct");
    musa.sync();
    coordinator.sync();
    assert_eq!(coordinator.references(), musa.references());
}
}

#[test]
fn a_bundle_carried_between_two_laptops_converges_them_without_a_server() {
    let dirs = [
        tempfile::tempdir().expect("a"),
        tempfile::tempdir().expect("b"),
    ];
    let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
    let mut a =
        citizens_test_support::install_volunteer(dirs[0].path(), "Musa Garba", clock.clone());
    let mut b = citizens_test_support::install_volunteer(dirs[1].path(), "Bisi Adeleke", clock);
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    for _ in 0..4 {
        a.capture(&citizens_test_support::grievance(&mut rng))
            .expect("capture");
        b.capture(&citizens_test_support::grievance(&mut rng))
            .expect("capture");
    }
    let first = a
        .list(&Filter::default(), Sort::Reference, 0, 1)
        .expect("list")
        .rows[0]
        .reference
        .clone();
    let usb = dirs[0].path().join("stick.ccbundle");
    a.export_bundle(
        std::fs::File::create(&usb).expect("file"),
        "usb passphrase 1",
        None,
    )
    .expect("export");
    let report = b
        .import_bundle(std::fs::File::open(&usb).expect("file"), "usb passphrase 1")
        .expect("import");
    assert_eq!((report.records, report.created), (4, 4));
    b.add_note(&first, "seen on laptop B").expect("note");
    let back = dirs[1].path().join("back.ccbundle");
    b.export_bundle(
        std::fs::File::create(&back).expect("file"),
        "usb passphrase 1",
        None,
    )
    .expect("export");
    a.import_bundle(
        std::fs::File::open(&back).expect("file"),
        "usb passphrase 1",
    )
    .expect("import");
    let again = a
        .import_bundle(
            std::fs::File::open(&back).expect("file"),
            "usb passphrase 1",
        )
        .expect("import twice");
    assert_eq!(
        (again.created, again.updated),
        (0, 0),
        "importing is idempotent"
    );
    let rows = |c: &citizens_client::Client| {
        c.list(&Filter::default(), Sort::Reference, 0, 100)
            .expect("list")
            .rows
    };
    assert_eq!(rows(&a), rows(&b));
    assert_eq!(
        a.open_case(&first)
            .expect("case")
            .grievance
            .notes()
            .collect::<Vec<_>>(),
        ["seen on laptop B"]
    );
    let bytes = std::fs::read(&usb).expect("read");
    assert!(
        !bytes.windows(5).any(|w| w == b"Ward "),
        "bundles are encrypted"
    );
    match b.import_bundle(std::fs::File::open(&usb).expect("file"), "wrong passphrase") {
        Err(e) => assert_eq!(
            (e.code(), e.to_string()),
            (
                citizens_client::Code::Invalid,
                "refused incoming data: wrong bundle passphrase; nothing was stored".into()
            )
        ),
        Ok(_) => panic!("a wrong bundle passphrase is refused"),
    }
}

on_each_backend! {
    fn attachments_follow_the_records_and_a_cut_upload_resends_at_most_one_chunk(backend) {
    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let puts = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = puts.clone();
    let mut cut_once = true;
    let proxy = Proxy::start(
        &server.url,
        move |_, line| {
            if line.starts_with("PUT ") {
                let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n == 1 && std::mem::take(&mut cut_once) {
                    return Fault::ResetAfter;
                }
            }
            Fault::Pass
        },
        || {},
    );
    musa.client
        .store()
        .set_meta("sync.server", &proxy.url)
        .expect("route through proxy");

    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let reference = capture(&mut musa, 1, &mut rng).remove(0);
    let mut photo = b"PAPERFORMMARKER ".repeat(40_000); // 640 KB: five 128 KB chunks
    rng.fill(&mut photo[..1000]);
    let name = musa.path().join("form #12 ..;rm -rf $HOME.jpg");
    std::fs::write(&name, &photo).expect("write photo");
    let view = musa.client.attach(&reference, &name).expect("attach");
    let sha = view.grievance.attachments[0].sha256.clone();
    assert_eq!(view.grievance.attachments[0].media_type, "image/jpeg");

    let blob_files: Vec<Vec<u8>> = std::fs::read_dir(musa.path().join("blobs"))
        .expect("blobs")
        .map(|e| std::fs::read(e.expect("e").path()).expect("read"))
        .collect();
    assert!(
        blob_files
            .iter()
            .all(|b| !b.windows(15).any(|w| w == b"PAPERFORMMARKER")),
        "attachments are encrypted at rest"
    );

    let report = musa.sync();
    assert_eq!(report.attachments_uploaded, 1, "{report:?}");
    let chunks = photo.len().div_ceil(128 * 1024);
    assert!(
        puts.load(std::sync::atomic::Ordering::SeqCst) <= chunks + 1,
        "a cut connection resends at most one chunk"
    );
    let on_server: Vec<String> = server.blob_files().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        on_server,
        [format!("orgs/1/{sha}")],
        "only the organisation and the digest name a file on the server"
    );

    let report = coordinator.sync();
    assert_eq!(report.attachments_downloaded, 1, "{report:?}");
    assert_eq!(coordinator.client.attachment(&sha).expect("held"), photo);
    assert_eq!(musa.sync().attachments_uploaded, 0, "nothing sent twice");

    // Another volunteer, who sees no record holding it, cannot fetch it even knowing its digest.
    let mut bisi = Device::volunteer(&server, "Bisi Adeleke", &key);
    let token = bisi.access_token(&server.url);
    let status = reqwest::blocking::Client::new()
        .get(format!("{}/v1/blobs/{sha}", server.url))
        .bearer_auth(token)
        .send()
        .expect("request")
        .status();
    assert_eq!(status.as_u16(), 403);
    let status = reqwest::blocking::Client::new()
        .head(format!("{}/v1/blobs/{sha}", server.url))
        .bearer_auth(bisi.access_token(&server.url))
        .send()
        .expect("request")
        .status();
    assert_eq!(
        status.as_u16(),
        403,
        "HEAD tells nothing out of scope either"
    );

    // Nor by naming the digest in a case of her own: that record is set aside, unread.
    let mine = bisi
        .client
        .capture(&citizens_test_support::grievance(&mut rng))
        .expect("capture")
        .reference;
    let copy = tempfile::tempdir().expect("tempdir");
    let same = copy.path().join("form-0042.jpg");
    std::fs::write(&same, &photo).expect("write");
    bisi.client
        .attach(&mine, &same)
        .expect("attach the same bytes");
    let report = bisi.sync();
    let codes: Vec<&str> = report.set_aside.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["attachment_not_yours"]);
    let status = reqwest::blocking::Client::new()
        .get(format!("{}/v1/blobs/{sha}", server.url))
        .bearer_auth(bisi.access_token(&server.url))
        .send()
        .expect("request")
        .status();
    assert_eq!(status.as_u16(), 403);
}
}

on_each_backend! {
    fn a_server_restored_from_an_old_backup_is_repaired_by_the_bucketed_checksum(backend) {
    let mut server = start_server_on(backend);
    let mut musa = Device::coordinator(&server, "Musa Garba");
    let key = musa.client.profile().org_public_key.clone();
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    capture(&mut musa, 5, &mut rng);
    musa.sync();
    let backup = tempfile::tempdir().expect("backup");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        for entry in std::fs::read_dir(from).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
            }
        }
    };
    server.while_stopped(|dir| copy(dir, backup.path()));
    capture(&mut musa, 5, &mut rng);
    musa.sync();
    // Disaster: the server is restored from the backup, which lacks five cases.
    server.while_stopped(|dir| {
        for entry in std::fs::read_dir(dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                std::fs::remove_file(path).expect("remove");
            }
        }
        copy(backup.path(), dir);
    });
    let report = musa.sync();
    assert!(report.in_step, "{report:?}");
    let mut fresh = Device::coordinator_with_key(&server, "Ngozi Eze", &key);
    fresh.sync();
    assert_eq!(fresh.references(), musa.references());
    assert_eq!(fresh.references().len(), 10);
}
}

on_each_backend! {
    fn the_background_loop_syncs_when_nudged_reports_being_offline_and_stops_when_told(backend) {
    use citizens_client::{Nudge, SyncLoop};
    use std::sync::mpsc;

    let server = start_server_on(backend);
    let mut coordinator = Device::coordinator(&server, "Ngozi Eze");
    let key = coordinator.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);

    // A second handle on Musa's laptop runs the loop, as the desktop app will.
    let (nudge, nudges) = mpsc::channel();
    let (outcome_tx, outcomes) = mpsc::channel();
    let dir = musa.path().to_path_buf();
    let background = std::thread::spawn(move || {
        let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
        let mut client =
            citizens_client::Client::open(&dir, citizens_test_support::PASSPHRASE, clock)
                .expect("open");
        let pace = SyncLoop {
            interval: Duration::from_secs(3600),
            policy: fast(),
            offline: fast(),
        };
        client.run_sync_loop(&nudges, pace, &mut |_| {}, &mut |outcome| {
            let _ = outcome_tx.send(outcome.as_ref().map(|_| ()).map_err(ToString::to_string));
        })
    });
    let next = || {
        outcomes
            .recv_timeout(Duration::from_secs(30))
            .expect("an outcome")
    };
    assert_eq!(next(), Ok(()), "syncs at once");

    let mut rng = rand::rngs::StdRng::seed_from_u64(41);
    let reference = capture(&mut musa, 1, &mut rng).remove(0);
    assert_eq!(
        musa.client.sync_status().expect("status").pending_changes,
        1
    );
    nudge.send(Nudge::SyncNow).expect("nudge");
    assert_eq!(next(), Ok(()));
    coordinator.sync();
    assert!(
        coordinator.references().contains(&reference),
        "the nudged sync carried the capture"
    );
    let status = musa.client.sync_status().expect("status");
    assert_eq!(status.pending_changes, 0);
    assert!(status.last_success.is_some() && status.last_error.is_none());

    // The network goes away: the loop says so in plain words and keeps trying.
    musa.client
        .store()
        .set_meta("sync.server", "http://127.0.0.1:9")
        .expect("unreachable");
    nudge.send(Nudge::SyncNow).expect("nudge");
    let failed = next().expect_err("offline");
    assert!(failed.contains("cannot reach the server"), "{failed}");
    let (_, why) = musa
        .client
        .sync_status()
        .expect("status")
        .last_error
        .expect("recorded");
    assert!(why.contains("your work is safe"), "{why}");

    nudge.send(Nudge::Stop).expect("stop");
    assert!(background.join().expect("thread").is_ok());
}
}

on_each_backend! {
    fn coordinators_rule_changes_merge_and_reach_every_laptop_but_volunteers_cannot_make_them(backend) {
    let server = start_server_on(backend);
    let mut ngozi = Device::coordinator(&server, "Ngozi Eze");
    let key = ngozi.client.profile().org_public_key.clone();
    let mut tunde = Device::coordinator_with_key(&server, "Tunde Bakare", &key);
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);

    // Two coordinators change the book offline at the same time.
    let rule = ngozi
        .client
        .add_routing_rule(&citizens_client::RuleInput {
            category: Some("water".into()),
            states: vec!["BO".into()],
            agency: "SERVICOM".into(),
            ..Default::default()
        })
        .expect("rule");
    tunde
        .client
        .add_holiday("2026-12-01", "Special public holiday")
        .expect("holiday");
    ngozi.sync();
    tunde.sync();
    musa.sync();
    ngozi.sync();
    tunde.sync();

    for device in [&ngozi, &tunde, &musa] {
        let book = device.client.rulebook().expect("book");
        assert!(book.routing.contains_key(&rule), "both edits kept");
        assert_eq!(
            book.holidays.get("2026-12-01").map(String::as_str),
            Some("Special public holiday")
        );
        assert_eq!(
            device
                .client
                .suggest_agency("complaint", "water", "Borno")
                .expect("suggest")
                .map(|s| s.agency),
            Some("SERVICOM".into())
        );
    }

    let err = musa
        .client
        .add_holiday("2026-12-02", "Volunteer's own holiday")
        .expect_err("volunteers do not change the book");
    assert!(err.to_string().contains("only a coordinator"), "{err}");
    assert!(musa.client.remove_routing_rule(&rule).is_err());
    assert_eq!(
        musa.client.store().outbox_len().expect("outbox"),
        0,
        "nothing queued that the server would refuse"
    );
    musa.sync();
}
}

on_each_backend! {
    fn a_merge_survives_a_later_sync_from_the_laptop_that_holds_the_old_copy(backend) {
    let server = start_server_on(backend);
    let mut ngozi = Device::coordinator(&server, "Ngozi Eze");
    let key = ngozi.client.profile().org_public_key.clone();
    let mut musa = Device::volunteer(&server, "Musa Garba", &key);
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    let mut input = citizens_test_support::grievance_in(&mut rng, "KN", "Fagge");
    input.kind = "complaint".into();
    input.reporter_phone = Some("0803 555 0199".into());
    input.anonymous = false;
    input.reporter_name = Some("Hauwa Sani".into());
    let original = ngozi.client.capture(&input).expect("capture").reference;
    let copy = musa.client.capture(&input).expect("capture").reference;
    musa.sync();
    ngozi.sync();
    assert_eq!(
        ngozi
            .client
            .duplicate_suggestions(None, 10)
            .expect("suggestions")
            .len(),
        1,
        "the copy from the field is suggested as it arrives"
    );
    ngozi
        .client
        .mark_duplicate(&copy, &original, true)
        .expect("merge");

    // Musa, offline, still works on his copy; then both sync.
    musa.client
        .add_note(&copy, "Citizen called again: the meter was removed")
        .expect("note");
    musa.sync();
    ngozi.sync();
    musa.sync();
    let merged = ngozi.client.open_case(&copy).expect("copy");
    assert_eq!(
        (merged.row.status.as_str(), merged.row.merged_into),
        ("duplicate", true)
    );
    let kept = ngozi.client.open_case(&original).expect("kept");
    assert!(kept.timeline.iter().any(|e| e.kind == "note"
        && e.from.as_deref() == Some(copy.as_str())
        && e.user == "Musa Garba"));
    assert_eq!(
        musa.client.open_case(&copy).expect("copy").row.status,
        "duplicate",
        "the merge reached the field laptop"
    );
}
}
