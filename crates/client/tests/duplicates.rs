//! Duplicates across laptops: planted copies arriving by bundle are suggested with measured
//! precision and recall; a merge keeps both timelines and both reporters' consent, survives a
//! later bundle from a laptop that still holds the old copy, and is undone.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use citizens_client::{Client, GrievanceInput, InitOptions};
use citizens_test_support::corpus::duplicates_corpus;
use citizens_test_support::{install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
use rand::SeedableRng;

const USB: &str = "usb stick passphrase";

/// A volunteer's laptop of the coordinator's organisation.
fn volunteer(dir: &Path, coordinator: &Client) -> Client {
    Client::init(
        dir,
        PASSPHRASE,
        InitOptions {
            user: "Musa Garba".into(),
            organisation: coordinator.profile().organisation.clone(),
            device_name: Some("musa-laptop".into()),
            org_key: citizens_client::OrgKey::Known(coordinator.profile().org_public_key.clone()),
        },
        FakeClock::at(TOWN_HALL_DAY) as Arc<dyn citizens_core::clock::Clock>,
    )
    .expect("volunteer install")
}

/// Carry everything from one laptop to another on a USB stick.
fn carry(from: &Client, to: &mut Client, dir: &Path) {
    let stick = dir.join("stick.ccbundle");
    from.export_bundle(std::fs::File::create(&stick).expect("stick"), USB, None)
        .expect("export");
    to.import_bundle(std::fs::File::open(&stick).expect("stick"), USB)
        .expect("import");
}

fn capture_all(client: &mut Client, inputs: &[GrievanceInput]) -> Vec<String> {
    client
        .capture_all(inputs)
        .expect("capture")
        .into_iter()
        .map(|g| g.reference)
        .collect()
}

#[test]
#[allow(clippy::print_stdout)] // The figures are the point: CI shows them (see .config/nextest.toml).
fn planted_duplicates_from_another_laptop_are_found_with_precision_and_recall_of_at_least_0_9() {
    let dirs = [(); 3].map(|()| tempfile::tempdir().expect("tempdir"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let corpus = duplicates_corpus(&mut rng, 400, 60);
    let mut coordinator = install(dirs[0].path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
    let mut field = volunteer(dirs[1].path(), &coordinator);
    let originals = capture_all(&mut coordinator, &corpus.originals);
    let copies: Vec<GrievanceInput> = corpus.copies.iter().map(|(_, c)| c.clone()).collect();
    let copy_refs = capture_all(&mut field, &copies);
    carry(&field, &mut coordinator, dirs[2].path());

    let planted: BTreeSet<(String, String)> = corpus
        .copies
        .iter()
        .zip(&copy_refs)
        .map(|((i, _), copy)| ordered(&originals[*i], copy))
        .collect();
    let suggested: BTreeSet<(String, String)> = coordinator
        .duplicate_suggestions(None, 100_000)
        .expect("suggestions")
        .iter()
        .map(|p| ordered(&p.case.reference, &p.other.reference))
        .collect();
    let hits = suggested.intersection(&planted).count() as f64;
    let precision = hits / suggested.len().max(1) as f64;
    let recall = hits / planted.len() as f64;
    println!(
        "duplicates: {} cases, {} planted pairs, {} suggested, {} right: precision {precision:.3}, recall {recall:.3}",
        originals.len() + copy_refs.len(),
        planted.len(),
        suggested.len(),
        hits
    );
    assert!(precision >= 0.9, "precision {precision:.3}");
    assert!(recall >= 0.9, "recall {recall:.3}");
    assert_eq!(
        coordinator.home().expect("home").duplicates,
        suggested.len() as u64
    );
}

fn ordered(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

#[test]
fn a_merge_keeps_both_timelines_survives_an_old_copy_coming_back_and_is_undone() {
    let dirs = [(); 3].map(|()| tempfile::tempdir().expect("tempdir"));
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let corpus = duplicates_corpus(&mut rng, 1, 0);
    let mut coordinator = install(dirs[0].path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
    let mut field = volunteer(dirs[1].path(), &coordinator);
    let original = capture_all(&mut coordinator, &corpus.originals).remove(0);
    // The same citizen told it again at the volunteer's desk, in fewer words.
    let mut copy_input = corpus.originals[0].clone();
    copy_input.title = format!("Again: {}", copy_input.title);
    copy_input.narrative = copy_input
        .narrative
        .split("; ")
        .next()
        .unwrap_or_default()
        .to_string();
    copy_input.consent_share_with_agency = false;
    let copy = capture_all(&mut field, &[copy_input]).remove(0);
    carry(&field, &mut coordinator, dirs[2].path());

    let pairs = coordinator
        .duplicate_suggestions(Some(&original), 10)
        .expect("suggestions");
    assert_eq!(pairs.len(), 1, "{pairs:?}");
    assert_eq!(
        (
            pairs[0].case.reference.as_str(),
            pairs[0].other.reference.as_str()
        ),
        (copy.as_str(), original.as_str()),
        "the later arrival is the one suggested as the copy"
    );
    assert!(pairs[0].reasons.contains(&"same_place".to_string()));

    // Refusals change nothing.
    for (a, b) in [(&copy, &copy), (&copy, &"KN-XXX-9999".to_string())] {
        assert!(coordinator.mark_duplicate(a, b, true).is_err(), "{a} {b}");
    }
    assert!(
        coordinator.undo_duplicate(&copy).is_err(),
        "nothing to undo yet"
    );

    let view = coordinator
        .mark_duplicate(&copy, &original, true)
        .expect("merge");
    assert_eq!(view.merged.len(), 1);
    assert_eq!(view.merged[0].reference, copy);
    assert!(
        !view.merged[0].share_with_agency,
        "the copy's reporter's own consent is kept and shown"
    );
    assert!(view.timeline.iter().any(|e| e.kind == "merged_from"));
    assert!(
        view.timeline
            .iter()
            .any(|e| e.from.as_deref() == Some(copy.as_str()) && e.kind == "merged_into"),
        "the copy's own history shows on the kept case"
    );
    let merged = coordinator.open_case(&copy).expect("copy");
    assert_eq!(merged.row.status, "duplicate");
    assert!(merged.row.merged_into);
    assert_eq!(merged.row.duplicate_of.as_deref(), Some(original.as_str()));
    assert!(coordinator
        .duplicate_suggestions(None, 10)
        .expect("queue")
        .is_empty());
    assert_eq!(coordinator.home().expect("home").duplicates, 0);

    // The volunteer's laptop still holds the old copy and adds a note to it.
    field
        .add_note(&copy, "The citizen came back with a receipt")
        .expect("note on the old copy");
    carry(&field, &mut coordinator, dirs[2].path());
    let merged = coordinator.open_case(&copy).expect("copy");
    assert_eq!(
        (merged.row.status.as_str(), merged.row.merged_into),
        ("duplicate", true),
        "the merge survives"
    );
    let kept = coordinator.open_case(&original).expect("original");
    assert!(
        kept.timeline.iter().any(|e| e.kind == "note"
            && e.from.as_deref() == Some(copy.as_str())
            && e.user == "Musa Garba"),
        "the late note shows on the kept case"
    );
    // Who changed what on the copy, from its own history: both laptops, attributed.
    let history = coordinator.case_history(&copy).expect("history");
    let who =
        |e: &citizens_client::HistoryEntry| (e.user.clone().unwrap_or_default(), e.fields.clone());
    assert!(history[0].created);
    assert_eq!(history[0].user.as_deref(), Some("Musa Garba"));
    assert!(history
        .iter()
        .map(who)
        .any(|(user, fields)| user == "Ngozi Eze"
            && ["duplicate_of", "merged_into", "status_history", "timeline"]
                .iter()
                .all(|f| fields.contains(&f.to_string()))));
    assert!(history
        .iter()
        .map(who)
        .any(|(user, fields)| user == "Musa Garba" && fields == ["timeline"]));
    // And the merge reaches the volunteer's laptop.
    carry(&coordinator, &mut field, dirs[2].path());
    assert_eq!(
        field.open_case(&copy).expect("copy").row.status,
        "duplicate"
    );

    let undone = coordinator.undo_duplicate(&copy).expect("undo");
    assert_eq!(undone.row.status, "new", "back to the status it had");
    assert_eq!(
        (undone.row.merged_into, undone.row.duplicate_of),
        (false, None)
    );
    let kept = coordinator.open_case(&original).expect("original");
    assert!(kept.merged.is_empty());
    assert!(kept.timeline.iter().any(|e| e.kind == "duplicate_undone"));
    assert_eq!(
        coordinator
            .duplicate_suggestions(None, 10)
            .expect("queue")
            .len(),
        1,
        "suggested again"
    );
    coordinator
        .dismiss_duplicate(&original, &copy)
        .expect("not a duplicate");
    assert!(coordinator
        .duplicate_suggestions(None, 10)
        .expect("queue")
        .is_empty());
    assert!(coordinator.dismiss_duplicate(&original, &original).is_err());
}
