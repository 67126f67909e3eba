//! The real window with a real server process: what a laptop's user sees of sync.
//! Needs DISPLAY and tauri-driver (the test command runs under Xvfb); fails, never skips.

use citizens_e2e::binary;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use citizens_e2e::window::{
    click, fill, pick, session, shot, start_driver, text_of, until_count, until_text,
};
use citizens_test_support::officer::officer;
use citizens_test_support::proxy::{Fault, Proxy};

/// A volunteer's laptop after its first sync: the server refused the case-rules edit made before
/// enrolment; the Sync screen says so, with the reason, in every language, and everything else
/// synced.
#[tokio::test(flavor = "multi_thread")]
async fn the_sync_screen_shows_what_the_server_set_aside_in_every_language() {
    use citizens_test_support::{install, install_volunteer, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
    let server = citizens_test_support::server::Server::start(binary("citizens-server"));
    let data = tempfile::tempdir().expect("tempdir");
    let founder = tempfile::tempdir().expect("tempdir");
    // The blocking HTTP client runs where blocking is allowed.
    tokio::task::block_in_place(|| {
        let coordinator = install(founder.path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
        let key = coordinator.profile().org_public_key.clone();
        let mut musa = install_volunteer(data.path(), "Musa Garba", FakeClock::at(TOWN_HALL_DAY));
        musa.add_holiday("2026-12-31", "Our own holiday")
            .expect("before enrolment: kept locally");
        let code = server.code("volunteer", "Musa Garba", &key);
        musa.enroll(&server.url, &code, citizens_client::RetryPolicy::default())
            .expect("enrol");
    });
    let driver = start_driver(data.path());
    let c = session(&driver).await;
    fill(&c, "#passphrase", PASSPHRASE).await;
    click(&c, "#unlock").await;
    click(&c, "#nav-sync").await;
    until_text(&c, "#set-aside", "The case rules").await;
    until_text(
        &c,
        "#set-aside",
        "only coordinators change the directory, articles and case rules",
    )
    .await;
    shot(&c, "17-set-aside").await;
    for (lang, words) in [
        ("ha", "Dokokin ƙara"),
        ("yo", "Òfin ẹjọ́"),
        ("ig", "Iwu okwu"),
        ("pcm", "Di case rules"),
    ] {
        pick(&c, "#language", lang).await;
        until_text(&c, "#set-aside", words).await;
        shot(&c, &format!("17-set-aside-{lang}")).await;
    }
    c.close().await.expect("close");
}

/// A citizen's web report reaches the coordinator's laptop by sync and waits on Home in the
/// triage queue; the case page says where it came from and accepting it moves it on; the Sync
/// screen says when the server refused the transparency page's figures, then when it took them.
#[tokio::test(flavor = "multi_thread")]
async fn a_report_from_the_public_waits_in_triage_and_is_accepted_in_the_real_window() {
    use citizens_test_support::{install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
    let config = format!(
        "public_org = \"{}\"\nmin_fill_secs = 0\n",
        citizens_test_support::server::ORG
    );
    let server = citizens_test_support::server::Server::start_configured(
        binary("citizens-server"),
        citizens_test_support::server::Backend::Sqlite,
        &config,
    );
    let data = tempfile::tempdir().expect("tempdir");
    // The server refuses the laptop's figures at first (as it would figures it finds wrong).
    let refuse = Arc::new(AtomicBool::new(true));
    let refusing = refuse.clone();
    let proxy = Proxy::start(
        &server.url,
        move |_, line| {
            if line.starts_with("POST /v1/figures ") && refusing.load(Ordering::SeqCst) {
                Fault::Refuse("these figures cannot be published: the number of cases is 3")
            } else {
                Fault::Pass
            }
        },
        || {},
    );
    let (reference, pin) = tokio::task::block_in_place(|| {
        let mut coordinator = install(data.path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
        let key = coordinator.profile().org_public_key.clone();
        let code = server.code("coordinator", "Ngozi Eze", &key);
        coordinator
            .enroll(&server.url, &code, citizens_client::RetryPolicy::default())
            .expect("enrol");
        coordinator
            .store()
            .set_meta("sync.server", &proxy.url)
            .expect("through the proxy");
        // A citizen on the report page.
        let (reference, pin) = citizens_test_support::citizen::report(
            &server.url,
            &[
                ("state", "EN"),
                ("kind", "complaint"),
                ("category", "roads"),
                ("lga", "Enugu North"),
                (
                    "narrative",
                    "The road to Ogui market has a crater that floods every time it rains.",
                ),
            ],
        );
        coordinator
            .sync(citizens_client::RetryPolicy::default(), &mut |_| {})
            .expect("sync");
        // Another report, forwarded to the electricity company, which answers on its desk.
        let (power, _) = citizens_test_support::citizen::report(
            &server.url,
            &[
                ("state", "KN"),
                ("kind", "complaint"),
                ("category", "power"),
                ("lga", "Fagge"),
                (
                    "narrative",
                    "No light on Zoo Road for two weeks; the transformer burnt.",
                ),
                ("consent", "yes"),
            ],
        );
        coordinator
            .sync(citizens_client::RetryPolicy::default(), &mut |_| {})
            .expect("sync");
        coordinator.accept_intake(&power).expect("accept");
        let forward = citizens_client::ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..Default::default()
        };
        coordinator.forward(&power, &forward).expect("forward");
        coordinator
            .sync(citizens_client::RetryPolicy::default(), &mut |_| {})
            .expect("sync");
        let (mut kedco, _, _) = officer(&server, "KEDCO", "Halima Sani");
        for (action, fields) in [
            ("acknowledge", vec![("reference", "KE/2026/118")]),
            ("ask", vec![("text", "Which pole number is it?")]),
            ("reply", vec![("text", "A crew goes on Monday.")]),
        ] {
            let (status, page) = kedco.answer(&power, action, &fields);
            assert_eq!(status, 200, "{page}");
        }
        coordinator
            .sync(citizens_client::RetryPolicy::default(), &mut |_| {})
            .expect("sync");
        (reference, pin)
    });
    let driver = start_driver(data.path());
    let c = session(&driver).await;
    fill(&c, "#passphrase", PASSPHRASE).await;
    click(&c, "#unlock").await;
    until_text(&c, "#triage-title", "Reports from the public to triage").await;
    shot(&c, "19a-triage-queue").await;
    click(&c, ".case-rows button").await;
    until_text(
        &c,
        "#triage-banner",
        "A citizen sent this report through the website.",
    )
    .await;
    assert_eq!(text_of(&c, "#case-status").await, "New");
    // The citizen gave no name or phone, and the page says so.
    until_text(&c, "main", "No name given").await;
    shot(&c, "19b-triage-case").await;
    click(&c, "#triage-accept").await;
    until_text(&c, "#case-status", "Triaged").await;
    until_text(
        &c,
        "main",
        "Accepted. Route it to the agency responsible next.",
    )
    .await;
    shot(&c, "19c-triage-accepted").await;
    assert!(text_of(&c, "main").await.contains(&reference));
    // Ask the reporter: the question reaches their tracking page at the next sync.
    click(&c, "#tab-ask").await;
    until_text(
        &c,
        "main",
        "The reporter reads this on the public tracking page",
    )
    .await;
    fill(&c, "#note", "Which junction is the crater nearest to?").await;
    click(&c, "#apply-action").await;
    until_text(&c, "main", "Question asked").await;
    until_text(
        &c,
        "main",
        "Asked the reporter: Which junction is the crater nearest to?",
    )
    .await;
    shot(&c, "19f-ask-the-reporter").await;
    // The agency's own entries, from its desk, on the case's timeline.
    click(&c, "#nav-cases").await;
    fill(&c, "#search", "Zoo Road").await;
    until_text(&c, ".count-line", ": 1").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "#timeline", "Halima Sani, KEDCO (agency desk)").await;
    until_text(&c, "#timeline", "A crew goes on Monday.").await;
    until_text(&c, "#case-status", "Acknowledged").await;
    c.execute(
        "document.getElementById('timeline').scrollIntoView();",
        vec![],
    )
    .await
    .expect("scroll");
    shot(&c, "19g-agency-desk-entries").await;
    // The server refused the laptop's figures at that sync: the Sync screen says so, in its
    // words; once it takes them, the screen says when they were published.
    click(&c, "#nav-sync").await;
    until_text(
        &c,
        "#figures-refused",
        "The public figures were not published",
    )
    .await;
    until_text(&c, "#figures-refused", "the number of cases is 3").await;
    shot(&c, "19d-sync-figures-refused").await;
    refuse.store(false, Ordering::SeqCst);
    click(&c, "#sync-now").await;
    until_text(&c, "main", "Public figures published").await;
    until_count(&c, "#figures-refused", 0).await;
    assert!(!text_of(&c, "#figures-published").await.is_empty());
    // Published at most once a day; a coordinator may publish now.
    until_text(&c, "main", "published at most once a day").await;
    until_count(&c, "#publish-now", 1).await;
    shot(&c, "19e-sync-figures-published").await;
    c.close().await.expect("close");
    let (_, tracked) = tokio::task::block_in_place(|| {
        citizens_test_support::citizen::post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        )
    });
    assert!(
        tracked.contains("<li>Which junction is the crater nearest to?</li>"),
        "{tracked}"
    );
}
