//! The printed papers read back with poppler (`pdftotext`, `pdfinfo`): what they say, what
//! they withhold, and that nothing about a reporter is on them.

use std::process::Command;

use citizens_client::{Client, CommitmentInput, GrievanceInput, ReportFilter};
use citizens_test_support::worked::{forward, resolve, worked_cases};
use citizens_test_support::{install, install_with_key, FakeClock, KNOWN_ORG_KEY, TOWN_HALL_DAY};

const DAY: i64 = 86_400_000;
const NAME: &str = "Zainab Adamu-Planted";
const PHONE: &str = "08031234567";
const NARRATIVE: &str = "PLANTED account of the transformer";
const OFFICIAL: &str = "Kabiru Planted-Official";

/// The text of a PDF as laid out (a table's row on one line), its whitespace made single
/// spaces.
fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "pdftotext reads the PDF");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn pages_of(pdf: &[u8]) -> usize {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("paper.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count")
}

fn case(kind: &str, title: &str) -> GrievanceInput {
    GrievanceInput {
        kind: kind.into(),
        category: "power".into(),
        state: "KN".into(),
        lga: "Fagge".into(),
        title: title.into(),
        narrative: NARRATIVE.into(),
        reporter_name: Some(NAME.into()),
        reporter_phone: Some(PHONE.into()),
        consent_purpose_explained: true,
        consent_share_with_agency: true,
        ..GrievanceInput::default()
    }
}

/// Ten KEDCO cases (one a sealed corruption report naming an official, one whose title is
/// Typst markup), five resolved, none acknowledged; six AEDC cases and two IE cases; a promise KEDCO made at a town hall; then
/// sixty days pass, so the open ones are overdue.
fn worked(dir: &std::path::Path) -> (Client, Vec<String>) {
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut client = install_with_key(dir, "Hauwa Sani", clock.clone(), KNOWN_ORG_KEY);
    let mut kedco = Vec::new();
    for i in 0..8 {
        let g = client
            .capture(&case("complaint", &format!("No light on street {i}")))
            .expect("capture");
        kedco.push(g.reference);
    }
    let corruption = client
        .capture(&case(
            "corruption_report",
            &format!("{OFFICIAL} demanded money for a meter"),
        ))
        .expect("capture");
    kedco.push(corruption.reference);
    let markup = client
        .capture(&case("complaint", "#panic(\"boom\") *bold* $x$ ]"))
        .expect("capture");
    kedco.push(markup.reference);
    for reference in &kedco {
        assert!(forward(&mut client, reference, "KEDCO", None), "forwarded");
    }
    for reference in &kedco[..5] {
        resolve(&mut client, reference);
    }
    for (agency, cases) in [("AEDC", 6), ("IE", 2)] {
        for i in 0..cases {
            let g = client
                .capture(&case("complaint", &format!("Estimated bill {i}")))
                .expect("capture");
            assert!(
                forward(&mut client, &g.reference, agency, None),
                "forwarded"
            );
        }
    }
    let session = client
        .create_session(&citizens_client::SessionInput {
            title: "Fagge power town hall".into(),
            venue: "Fagge LGA secretariat".into(),
            state: "KN".into(),
            lga: "Fagge".into(),
            agenda: Some("Welcome\nOutages in Fagge\nPromises and next steps".into()),
            ..Default::default()
        })
        .expect("session");
    client
        .add_commitment(
            &session.id.to_string(),
            &CommitmentInput {
                official: OFFICIAL.into(),
                office: "Area Office Customer Care".into(),
                agency: Some("KEDCO".into()),
                promise: "Replace the Fagge transformer".into(),
                due: Some("2026-12-20".into()),
            },
        )
        .expect("commitment");
    clock.advance(60 * DAY);
    (client, kedco)
}

fn assert_nothing_about_reporters(text: &str) {
    for planted in [NAME, PHONE, NARRATIVE, OFFICIAL, "Kabiru"] {
        assert!(!text.contains(planted), "{planted:?} is printed:\n{text}");
    }
}

#[test]
fn the_agency_brief_shows_its_figures_overdue_cases_and_promises_and_withholds_small_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (client, kedco) = worked(dir.path());
    let pdf = citizens_paper::agency_brief(&client, "KEDCO", &ReportFilter::default(), "en")
        .expect("brief");
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    assert!(text.contains("Briefing: KEDCO"), "{text}");
    assert!(text.contains("Every case captured so far."), "{text}");
    // Beside the average of KEDCO and AEDC (IE has fewer than 5 cases), each over the
    // agencies whose own figure is published.
    assert!(
        text.contains("KEDCO beside the average of the 2 Federal agencies with at least 5 cases"),
        "{text}"
    );
    // Every figure rounded to 5: under this key AEDC's 6 read 5, IE's 2 "fewer than 5".
    assert!(text.contains("Received 10 7.5"), "{text}");
    // Five of ten resolved; AEDC's none is withheld, so the average is KEDCO's alone.
    assert!(text.contains("Resolved 5 (50%) 50%"), "{text}");
    // None acknowledged anywhere: 0 is withheld like any small count.
    assert!(
        text.contains("Acknowledged fewer than 5 fewer than 5"),
        "{text}"
    );
    assert!(text.contains("Overdue 5 5"), "{text}");
    // The five open cases are overdue, each listed; the resolved ones are not.
    for reference in &kedco[5..] {
        assert!(
            text.contains(reference.as_str()),
            "{reference} is listed:\n{text}"
        );
    }
    for reference in &kedco[..5] {
        assert!(
            !text.contains(reference.as_str()),
            "{reference} is resolved:\n{text}"
        );
    }
    assert!(text.contains("No light on street 7"), "{text}");
    // The corruption report: neither its title nor its LGA.
    let protected = format!("{} Not printed Kano", kedco[8]);
    assert!(text.contains(&protected), "{text}");
    assert!(
        text.contains("#panic(\"boom\") *bold* $x$ ]"),
        "a title is printed as written, never run as markup:\n{text}"
    );
    // The office now holding each overdue case (a long one wraps in its cell).
    assert_eq!(text.matches("Area Office Customer").count(), 5, "{text}");
    assert!(text.contains("Replace the Fagge transformer"), "{text}");
    assert_nothing_about_reporters(&text);
}

#[test]
fn the_agency_brief_reads_in_hausa_and_yoruba() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (client, _) = worked(dir.path());
    let ha = text_of(
        &citizens_paper::agency_brief(&client, "KEDCO", &ReportFilter::default(), "ha")
            .expect("brief"),
    );
    assert!(ha.contains("Bayani: KEDCO"), "{ha}");
    assert!(ha.contains("ƙasa da 5"), "{ha}");
    let yo = text_of(
        &citizens_paper::agency_brief(&client, "KEDCO", &ReportFilter::default(), "yo")
            .expect("brief"),
    );
    assert!(yo.contains("kò tó 5"), "{yo}");
    assert!(yo.contains("ìpàdé ìlú"), "{yo}");
}

#[test]
fn the_media_brief_ranks_agencies_and_withholds_those_with_few_cases() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (client, _) = worked(dir.path());
    let text = text_of(
        &citizens_paper::media_brief(&client, &ReportFilter::default(), "en").expect("brief"),
    );
    assert!(
        text.contains("How agencies answer the citizens who came to Kano Civic Forum"),
        "{text}"
    );
    // KEDCO is ranked; AEDC (none resolved) and IE (2 cases) are listed unranked, and so is
    // every agency of the directory, so that being listed says nothing.
    assert!(
        text.contains("1 KEDCO (Federal) 10 fewer than 5 5 (50%)"),
        "{text}"
    );
    assert!(
        text.contains("– AEDC (Federal) 5 fewer than 5 fewer than 5"),
        "{text}"
    );
    assert!(text.contains("– IE (Federal) fewer than 5"), "{text}");
    assert!(text.contains("– NIS (Federal) fewer than 5"), "{text}");
    assert_eq!(
        ["(Federal)", "(State)", "(Local government)"]
            .iter()
            .map(|level| text.matches(level).count())
            .sum::<usize>(),
        client.agencies(None).expect("directory").len()
    );
    assert_nothing_about_reporters(&text);
}

#[test]
fn the_kit_carries_an_agenda_a_tally_and_forms_numbered_for_its_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = worked(dir.path());
    let session = client.sessions().expect("sessions")[0].id.clone();
    let before = client.unused_forms().expect("unused");
    let pdf =
        citizens_paper::kit(&mut client, &session, 3, "en", |pdf| Ok(pdf.to_vec())).expect("kit");
    let issued: Vec<String> = client
        .unused_forms()
        .expect("unused")
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(issued.len(), 3, "three numbers issued for the kit");
    // The agenda, the tally, then one page per form.
    assert_eq!(pages_of(&pdf), 5);
    let text = text_of(&pdf);
    assert!(text.contains("Fagge power town hall"), "{text}");
    assert!(text.contains("2. Outages in Fagge"), "{text}");
    assert!(text.contains("With disability"), "{text}");
    for number in &issued {
        assert_eq!(
            text.matches(number.as_str()).count(),
            2,
            "boxed and on the slip"
        );
        assert!(
            text.contains(&format!("Your form number is {number}")),
            "the slip carries {number}:\n{text}"
        );
    }
}

#[test]
fn a_paper_refuses_an_unknown_language_agency_or_session_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut client, _) = worked(dir.path());
    let none = ReportFilter::default();
    let err = citizens_paper::agency_brief(&client, "KEDCO", &none, "fr").expect_err("fr");
    assert_eq!(
        err.to_string(),
        "“fr” is not a language the papers are printed in: choose en, ha, yo, ig or pcm"
    );
    match citizens_paper::agency_brief(&client, "NOSUCH", &none, "en") {
        Err(citizens_paper::Error::Client(e)) => {
            assert_eq!(e.code(), citizens_client::Code::NotFound)
        }
        other => panic!("an unknown agency is not found, got {:?}", other.err()),
    }
    let before = client.unused_forms().expect("unused");
    let keep = |pdf: &[u8]| Ok(pdf.to_vec());
    assert!(matches!(
        citizens_paper::kit(&mut client, "not-a-session", 3, "en", keep),
        Err(citizens_paper::Error::Client(_))
    ));
    let session = client.sessions().expect("sessions")[0].id.clone();
    assert!(matches!(
        citizens_paper::kit(&mut client, &session, 3, "xx", keep),
        Err(citizens_paper::Error::Language(_))
    ));
    // A kit that cannot be saved takes its numbers back: capture never offers one unprinted.
    let full = |_: &[u8]| -> citizens_client::Result<()> {
        Err(citizens_core::Error::invalid("file", "the disk is full").into())
    };
    let err = citizens_paper::kit(&mut client, &session, 3, "en", full).expect_err("full");
    assert_eq!(err.to_string(), "file: the disk is full");
    assert_eq!(
        client.unused_forms().expect("unused"),
        before,
        "no number issued by a refusal"
    );
}

/// Where the papers of a worked store are kept for people to look at (`pdftoppm` them).
fn kept(name: &str, pdf: &[u8]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/papers");
    std::fs::create_dir_all(&dir).expect("papers folder");
    std::fs::write(dir.join(name), pdf).expect("keep the paper");
}

#[test]
fn every_paper_prints_in_every_language_over_a_worked_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    let clock = FakeClock::at(TOWN_HALL_DAY);
    let mut a = install(dir.path(), "Ngozi Eze", clock.clone());
    let mut b = install(other.path(), "Emeka Obi", clock.clone());
    worked_cases(&mut a, &mut b, &clock, 300, 7);
    let session = a
        .create_session(&citizens_client::SessionInput {
            title: "Ọjà Ọba town hall".into(),
            venue: "Ọjà Ọba community hall".into(),
            state: "OY".into(),
            lga: "Ibadan North".into(),
            organisers: Some("Kano Civic Forum with the Ọjà Ọba youth".into()),
            ..Default::default()
        })
        .expect("session");
    let busiest = a.performance(&Default::default()).expect("table")[0]
        .short_name
        .clone();
    let none = ReportFilter::default();
    for lang in citizens_paper::LANGUAGES {
        let brief = citizens_paper::agency_brief(&a, &busiest, &none, lang).expect("brief");
        let media = citizens_paper::media_brief(&a, &none, lang).expect("media brief");
        let kit = citizens_paper::kit(&mut a, &session.id.to_string(), 2, lang, |pdf| {
            Ok(pdf.to_vec())
        })
        .expect("kit");
        for (paper, pdf) in [("brief", &brief), ("media", &media), ("kit", &kit)] {
            kept(&format!("{paper}-{lang}.pdf"), pdf);
            let text = text_of(pdf);
            for key in [
                "paper_",
                "dash_",
                "cat_",
                "kind_",
                "answer_",
                "level_",
                "commitment_",
            ] {
                assert!(
                    !text.contains(key),
                    "{lang} {paper}: a {key} word is missing:\n{text}"
                );
            }
        }
        assert_eq!(pages_of(&kit), 4, "{lang}: agenda, tally, two forms");
    }
}

/// Issue 28: the forwarding letter as a PDF says what the text one says (the case code, the
/// desk's address, how to acknowledge by SMS), shares a reporter's name only with consent, and
/// carries a QR code of the desk's address when the laptop is enrolled.
#[test]
fn the_forwarding_letter_prints_with_the_case_code_and_a_qr_code_of_the_desk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut client = install(dir.path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
    let shared = client
        .capture(&case("complaint", "Transformer burnt at Fagge"))
        .expect("capture")
        .reference;
    forward(&mut client, &shared, "KEDCO", None);
    // Not enrolled: no desk to name, no code to scan.
    let text = text_of(&citizens_paper::forwarding_letter(&client, &shared).expect("pdf"));
    assert!(
        text.contains("Kano Electricity Distribution Company"),
        "{text}"
    );
    assert!(text.contains(NAME), "shared with consent: {text}");
    assert!(!text.contains("/desk"), "{text}");
    client
        .store()
        .set_meta("sync.server", "https://citizens.example.org")
        .expect("as an enrolled laptop has it");
    let pdf = citizens_paper::forwarding_letter(&client, &shared).expect("pdf");
    kept("forwarding-letter.pdf", &pdf);
    let text = text_of(&pdf);
    let code = shared.replace('-', "");
    for expected in [
        format!("Case code: {code}."),
        "https://citizens.example.org/desk".to_string(),
        format!("ACK {code} YOUR-REFERENCE"),
        "The agency desk: https://citizens.example.org/desk".to_string(),
    ] {
        assert!(
            text.contains(&expected),
            "'{expected}' missing from: {text}"
        );
    }
    assert_eq!(pages_of(&pdf), 1);
}
