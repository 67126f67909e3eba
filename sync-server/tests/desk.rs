//! The agency desk against a real server on both databases (issue 28): an officer invited by
//! the coordinator sets up a passphrase and a second factor (the code computed here, as the
//! officer's phone would), sees only their agency's forwarded cases with what consent allows,
//! answers them, and the answers reach the laptop by sync as the agency's own entries; the
//! question reaches the citizen's track page. Another agency's officer, a revoked officer, a
//! guesser and another site get nothing.

#[macro_use]
mod common;

use citizens_core::capture::GrievanceInput;
use citizens_test_support::citizen::{self, between, post_form, receipt};
use citizens_test_support::officer::{code, form_token, officer, Browser};
use common::*;

fn start(backend: Backend) -> Server {
    Server::start_configured(
        env!("CARGO_BIN_EXE_citizens-server"),
        backend,
        &format!(
            "public_org = \"{ORG}\"\npublic_name = \"Kano Civic Forum\"\npublic_url = \"https://citizens.example.org\"\n\
             public_home_state = \"Kano\"\npublic_home_lga = \"Nasarawa\"\nmin_fill_secs = 0\n"
        ),
    )
}

on_each_backend! {
    fn an_agency_answers_its_cases_on_the_desk_and_the_laptop_and_the_citizen_hear_it(backend) {
        let server = start(backend);
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        // A citizen's web report, and a case captured on the laptop with consent to share.
        let token = citizen::form_token(&server.url, "KN");
        let (_, html) = post_form(
            &format!("{}/report", server.url),
            &[
                ("token", &token), ("state", "KN"), ("kind", "complaint"), ("category", "power"),
                ("lga", "Fagge"), ("narrative", "No light on Zoo Road <b>for two weeks</b>. PLANTED-7731"),
                ("consent", "yes"), ("website", ""),
            ],
        );
        let (reference, pin) = receipt(&html);
        coordinator.sync();
        coordinator.client.accept_intake(&reference).expect("accept");
        let forward = citizens_client::ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..Default::default()
        };
        coordinator.client.forward(&reference, &forward).expect("forward");
        let shared = coordinator
            .client
            .capture(&GrievanceInput {
                category: "power".into(),
                state: "KN".into(),
                lga: "Fagge".into(),
                title: "Estimated bills".into(),
                narrative: "Estimated bills every month though the meter works".into(),
                reporter_name: Some("Sadiq Planted-Bello".into()),
                reporter_phone: Some("0803 555 0199".into()),
                consent_purpose_explained: true,
                consent_share_with_agency: true,
                ..GrievanceInput::default()
            })
            .expect("captured");
        coordinator.client.forward(&shared.reference, &forward).expect("forward");
        coordinator.sync();

        // The forwarding letter says where the agency answers, with the case's code.
        let letter = coordinator.client.forwarding_letter(&reference).expect("letter");
        let case_code = reference.replace('-', "");
        for expected in [format!("Case code: {case_code}."), format!("{}/desk", server.url), format!("ACK {case_code} YOUR-REFERENCE")] {
            assert!(letter.contains(&expected), "'{expected}' missing from:\n{letter}");
        }
        let (mut kedco, login, secret) = officer(&server, "KEDCO", "Halima Sani");
        let (mut water, _, _) = officer(&server, "KNWB", "Musa Bello");
        let (status, queue) = kedco.get("/desk/cases?queue=new");
        assert_eq!(status, 200);
        assert!(queue.contains(&reference) && queue.contains(&shared.reference), "{queue}");
        assert!(queue.len() < 50_000, "{} bytes", queue.len());
        let id_of = |b: &mut Browser, reference: &str| {
            b.case_path(reference).trim_start_matches("/desk/case/").to_string()
        };
        let (web_case, laptop_case) = (id_of(&mut kedco, &reference), id_of(&mut kedco, &shared.reference));
        // The web report: its account is shared (the public form asks), as text, never its
        // sealed reporter.
        let (_, page) = kedco.get(&format!("/desk/case/{web_case}"));
        assert!(page.contains("<blockquote id=\"narrative\">No light on Zoo Road &lt;b&gt;for two weeks"), "{page}");
        assert!(!page.contains("<b>for two"), "markup stays text");
        assert!(page.contains("Not shared: the reporter"), "{page}");
        assert!(page.contains("<dd>Kano, Fagge</dd>"), "{page}");
        // The laptop's case, shared with consent: its account and its reporter.
        let (_, page) = kedco.get(&format!("/desk/case/{laptop_case}"));
        assert!(page.contains("Estimated bills every month") && page.contains("Sadiq Planted-Bello"), "{page}");
        assert!(!page.contains("Amina Yusuf"), "never a volunteer's name");

        // Another agency's officer: the same "not found" as for a made-up case.
        let (theirs, theirs_page) = water.get(&format!("/desk/case/{web_case}"));
        let (made_up, made_up_page) = water.get("/desk/case/00000000-0000-4000-8000-000000000000");
        assert_eq!((theirs, theirs_page.replace(&web_case, "ID")), (made_up, made_up_page.replace("00000000-0000-4000-8000-000000000000", "ID")));
        assert_eq!(theirs, 404);
        let (_, water_queue) = water.get("/desk/cases");
        assert!(water_queue.contains("id=\"none\""), "{water_queue}");

        // Acknowledge, reply, ask; a form without the session's token, or from another site, is refused.
        let form = form_token(&page);
        let path = format!("/desk/case/{web_case}");
        let (status, _) = kedco.post(&path, &[("form", "forged"), ("action", "reply"), ("text", "x")]);
        assert_eq!(status, 403);
        let (status, _) = kedco.post_from(&path, &[("form", &form), ("action", "reply"), ("text", "x")], "cross-site");
        assert_eq!(status, 403);
        let (status, done) = kedco.post(&path, &[("form", &form), ("action", "acknowledge"), ("reference", "KE/2026/118")]);
        assert_eq!(status, 200, "{done}");
        assert!(done.contains("id=\"done\""), "{done}");
        let (status, again) = kedco.post(&path, &[("form", &form), ("action", "acknowledge"), ("reference", "")]);
        assert_eq!(status, 400);
        assert!(again.contains("already acknowledged"), "{again}");
        let (status, _) = kedco.post(&path, &[("form", &form), ("action", "ask"), ("text", "Which pole number is it?")]);
        assert_eq!(status, 200);
        let (status, refused) = kedco.post(&path, &[("form", &form), ("action", "reply"), ("text", "bad\u{1b}[2K")]);
        assert_eq!(status, 400);
        assert!(refused.contains("invisible control character"), "{refused}");
        let (status, _) = kedco.post(&path, &[("form", &form), ("action", "reply"), ("text", "A crew goes on Monday.")]);
        assert_eq!(status, 200);
        // Another agency's officer cannot answer it: nothing happens, and it is "not found".
        let water_form = form_token(&water_queue);
        let (status, _) = water.post(&path, &[("form", &water_form), ("action", "resolve"), ("text", "Done")]);
        assert_eq!(status, 404);

        // The laptop reads the agency's own entries; the citizen reads the question.
        coordinator.sync();
        let view = coordinator.client.open_case(&reference).expect("case");
        assert_eq!(view.row.status, "acknowledged");
        let agency_entries: Vec<(&str, &str, Option<&str>)> = view
            .timeline
            .iter()
            .filter(|e| e.agency.is_some())
            .map(|e| (e.kind, e.user.as_str(), e.agency.as_deref()))
            .collect();
        assert_eq!(
            agency_entries,
            [
                ("status", "Halima Sani", Some("KEDCO")),
                ("acknowledged", "Halima Sani", Some("KEDCO")),
                ("question_for_reporter", "Halima Sani", Some("KEDCO")),
                ("reply", "Halima Sani", Some("KEDCO")),
            ]
        );
        let (_, tracked) = post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        );
        assert!(tracked.contains("<li>Which pole number is it?</li>"), "{tracked}");
        assert!(!tracked.contains("Halima"), "never who asked");
        let (status, _) = post_form(
            &format!("{}/track/add", server.url),
            &[("reference", &reference), ("pin", &pin), ("text", "Pole 14, by the mosque")],
        );
        assert_eq!(status, 200);
        // The citizen's answer shows on the desk, and the case waits on the agency again.
        let (_, page) = kedco.get(&format!("/desk/case/{web_case}"));
        assert!(page.contains("Pole 14, by the mosque"), "{page}");
        let (_, awaiting) = kedco.get("/desk/cases?queue=awaiting");
        assert!(awaiting.contains(&reference), "{awaiting}");
        // A CSV of their own cases.
        let (status, csv) = kedco.get("/desk/cases.csv");
        assert_eq!(status, 200);
        assert!(csv.starts_with("reference,title,category"), "{csv}");
        assert_eq!(csv.lines().count(), 3, "{csv}");

        // Signing out everywhere ends this session too; a revoked officer is refused at once.
        let (_, out) = kedco.post("/desk/sign-out", &[("form", &form), ("everywhere", "1")]);
        assert!(out.contains("You are signed out."), "{out}");
        let (status, _) = kedco.get("/desk/cases");
        assert_eq!(status, 303);
        let (status, back) = kedco.post("/desk", &[("login", &login), ("passphrase", "the blue gate at Zoo Road"), ("code", &code(&secret, 1))]);
        assert_eq!(status, 200, "{back}");
        assert!(back.contains("id=\"cases\""));
        server.admin(&["officers", "revoke", &login]);
        let (status, ended) = kedco.get("/desk/cases");
        assert_eq!(status, 401);
        assert!(ended.contains("Your session has ended"), "{ended}");
        let listed = server.admin(&["officers", "list"]);
        assert!(listed.contains(&format!("{login:<16} revoked")), "{listed}");
    }
}

on_each_backend! {
    fn a_guessed_sign_in_is_locked_out_and_answered_alike(backend) {
        let server = start(backend);
        let _coordinator = Device::coordinator(&server, "Amina Yusuf");
        let (_, login, secret) = officer(&server, "KEDCO", "Halima Sani");
        let mut guesser = Browser::new(&server);
        let wrong = |b: &mut Browser, login: &str, passphrase: &str, code: &str| {
            let (status, page) = b.post("/desk", &[("login", login), ("passphrase", passphrase), ("code", code)]);
            assert_eq!(status, 401, "{page}");
            between(&page, "id=\"problem\">").expect("a problem")
        };
        let unknown = wrong(&mut guesser, "KEDCO-ZZZ", "a guess at it all", "123456");
        for _ in 0..5 {
            assert_eq!(wrong(&mut guesser, &login, "a guess at it all", "123456"), unknown);
        }
        // Locked: the right passphrase and code are refused alike for 15 minutes.
        assert_eq!(wrong(&mut guesser, &login, "the blue gate at Zoo Road", &code(&secret, 1)), unknown);
        assert!(server.admin(&["officers", "list"]).contains(&format!("{login:<16} locked")));
        assert!(guesser.cookie.is_none());
    }
}
