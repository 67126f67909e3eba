//! The agency desk in a real browser (headless Chromium) against a real server process: an
//! officer sets up their account with the second factor computed here (as their phone's app
//! would), sees the queue, acknowledges, asks and replies; the citizen answers the question on
//! the track page; the coordinator's laptop syncs and reads the agency's and the citizen's
//! entries. Every desk page is captured in English and Hausa at 360 px and 1366 px
//! (`target/screenshots/web/desk-*`), none wider than a phone and none over 50 KB.

use citizens_e2e::binary;
use citizens_e2e::browser::{browser, page_shot, start_chromedriver};
use citizens_e2e::window::{click, fill, text_of, until_text};
use citizens_test_support::citizen;
use citizens_test_support::device::Device;
use citizens_test_support::officer::code;
use citizens_test_support::server::{Backend, Server, ORG};

/// The page's width and its HTML's size in bytes.
async fn measure(c: &fantoccini::Client) -> (u64, u64) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, new TextEncoder().encode(document.documentElement.outerHTML).length];",
            vec![],
        )
        .await
        .expect("measure");
    let n = |i: usize| v[i].as_u64().unwrap_or(u64::MAX);
    (n(0), n(1))
}

/// Both widths of the page now shown, in `lang`, checked for a phone and for size.
async fn shoot(c: &fantoccini::Client, name: &str) {
    c.set_window_size(360, 780).await.expect("resize");
    let (width, bytes) = measure(c).await;
    assert!(width <= 360, "{name} is {width} px wide at 360");
    assert!(bytes <= 50_000, "{name} is {bytes} bytes");
    page_shot(c, &format!("{name}-360"), 360).await;
    page_shot(c, &format!("{name}-1366"), 1366).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_answers_on_the_desk_the_citizen_replies_and_the_laptop_reads_both() {
    let config =
        format!("public_org = \"{ORG}\"\npublic_name = \"Kano Civic Forum\"\nmin_fill_secs = 0\n");
    let (server, mut coordinator, reference, pin, setup) = tokio::task::block_in_place(|| {
        let server = Server::start_configured(binary("citizens-server"), Backend::Sqlite, &config);
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let (reference, pin) = citizen::report(
            &server.url,
            &[
                ("state", "KN"),
                ("kind", "complaint"),
                ("category", "power"),
                ("lga", "Fagge"),
                (
                    "narrative",
                    "No light on Zoo Road for two weeks; the transformer <b>burnt</b>.",
                ),
                ("consent", "yes"),
                ("website", ""),
            ],
        );
        coordinator.sync();
        coordinator
            .client
            .accept_intake(&reference)
            .expect("accept");
        let forward = citizens_client::ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..Default::default()
        };
        coordinator
            .client
            .forward(&reference, &forward)
            .expect("forward");
        coordinator.sync();
        let setup = server.admin(&[
            "enroll",
            "--role",
            "agency",
            "--agency",
            "KEDCO",
            "--org",
            ORG,
            "--user",
            "Halima Sani",
        ]);
        (server, coordinator, reference, pin, setup)
    });
    let url = server.url.clone();
    let driver = start_chromedriver();
    let c = browser(&driver).await;

    // Set-up, in Hausa then English (the page remembers the language chosen).
    c.goto(&format!("{url}/desk/setup?lang=ha"))
        .await
        .expect("setup");
    shoot(&c, "desk-setup-ha").await;
    c.goto(&format!("{url}/desk/setup?lang=en"))
        .await
        .expect("setup");
    shoot(&c, "desk-setup-en").await;
    fill(&c, "#code", &setup).await;
    fill(&c, "#passphrase", "the blue gate at Zoo Road").await;
    fill(&c, "#again", "the blue gate at Zoo Road").await;
    click(&c, "button[type=submit]").await;
    let login = text_of(&c, "#login").await;
    let secret = text_of(&c, "#secret").await;
    assert!(login.starts_with("KEDCO-"), "{login}");
    shoot(&c, "desk-factor-en").await;
    fill(&c, "#totp", &code(&secret, 0)).await;
    click(&c, "form[action='/desk/setup/confirm'] button[type=submit]").await;
    until_text(&c, "#cases", &reference).await;
    shoot(&c, "desk-queue-en").await;

    // The case: acknowledge with the agency's reference, ask the citizen, reply.
    click(&c, "#cases a").await;
    until_text(&c, "h1", &reference).await;
    assert!(text_of(&c, "#narrative")
        .await
        .contains("transformer <b>burnt</b>"));
    shoot(&c, "desk-case-en").await;
    click(&c, "details:has(#acknowledge) summary").await;
    fill(&c, "#acknowledge-reference", "KE/2026/118").await;
    click(&c, "#acknowledge button[type=submit]").await;
    until_text(&c, "#done", "Done").await;
    click(&c, "details:has(#ask) summary").await;
    fill(&c, "#ask-text", "Which pole number is it?").await;
    click(&c, "#ask button[type=submit]").await;
    until_text(&c, "#entries", "Which pole number is it?").await;
    click(&c, "details:has(#reply) summary").await;
    fill(&c, "#reply-text", "A crew goes on Monday.").await;
    click(&c, "#reply button[type=submit]").await;
    until_text(&c, "#entries", "A crew goes on Monday.").await;
    shoot(&c, "desk-case-answered-en").await;

    // The citizen reads the question on the track page and answers it.
    c.goto(&format!("{url}/track?lang=en"))
        .await
        .expect("track");
    fill(&c, "#reference", &reference).await;
    fill(&c, "#pin", &pin).await;
    click(&c, "button[type=submit]").await;
    until_text(&c, "#questions", "Which pole number is it?").await;
    fill(&c, "#text", "Pole 14, by the mosque.").await;
    click(&c, "form[action='/track/add'] button[type=submit]").await;
    until_text(&c, "#added", "Added to your report").await;

    // Back on the desk, in Hausa: the citizen's answer, and the queue waiting on the agency.
    c.goto(&format!("{url}/desk/cases?lang=ha&queue=awaiting"))
        .await
        .expect("queue");
    until_text(&c, "#cases", &reference).await;
    shoot(&c, "desk-queue-ha").await;
    click(&c, "#cases a").await;
    until_text(&c, "#entries", "Pole 14, by the mosque.").await;
    shoot(&c, "desk-case-ha").await;

    // Signing out, and the sign-in page in both languages; signing in takes the next code.
    click(&c, "form[action='/desk/sign-out'] button[value='1']").await;
    until_text(&c, "main", "Ka fita").await;
    shoot(&c, "desk-sign-in-ha").await;
    c.goto(&format!("{url}/desk?lang=en"))
        .await
        .expect("sign-in");
    shoot(&c, "desk-sign-in-en").await;
    fill(&c, "#login", &login).await;
    fill(&c, "#passphrase", "the blue gate at Zoo Road").await;
    fill(&c, "#code", &code(&secret, 1)).await;
    click(&c, "main button[type=submit]").await;
    until_text(&c, "#cases", &reference).await;
    c.close().await.expect("close");

    tokio::task::block_in_place(|| {
        coordinator.sync();
        let view = coordinator.client.open_case(&reference).expect("case");
        assert_eq!(view.row.status, "acknowledged");
        let entries: Vec<(String, Option<String>, String)> = view
            .timeline
            .iter()
            .filter(|e| e.kind != "status")
            .map(|e| {
                (
                    e.kind.to_string(),
                    e.agency.clone(),
                    e.params
                        .get("text")
                        .or(e.params.get("summary"))
                        .cloned()
                        .unwrap_or_default(),
                )
            })
            .filter(|(kind, ..)| kind != "forwarded")
            .collect();
        assert_eq!(
            entries,
            [
                (
                    "acknowledged".to_string(),
                    Some("KEDCO".to_string()),
                    String::new()
                ),
                (
                    "question_for_reporter".to_string(),
                    Some("KEDCO".to_string()),
                    "Which pole number is it?".to_string()
                ),
                (
                    "reply".to_string(),
                    Some("KEDCO".to_string()),
                    "A crew goes on Monday.".to_string()
                ),
                (
                    "note".to_string(),
                    None,
                    "Follow-up by web: Pole 14, by the mosque.".to_string()
                ),
            ]
        );
    });
}
