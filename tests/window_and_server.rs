//! The real window with a real server process: what a laptop's user sees of sync.
//! Needs DISPLAY and tauri-driver (the test command runs under Xvfb); fails, never skips.

use citizens_e2e::binary;
use citizens_e2e::window::{click, fill, pick, session, shot, start_driver, until_text};

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
