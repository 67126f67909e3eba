//! End to end in the real window: tauri-driver + WebKitWebDriver drive the built app under
//! Xvfb. Fails (never skips) when DISPLAY or tauri-driver is missing. Screenshots of each
//! screen go to `target/screenshots/`.

mod window;

use fantoccini::Locator;
use window::{click, fill, pick, session, shot, start_driver, text_of, until_text};

#[tokio::test(flavor = "multi_thread")]
async fn capture_search_forward_translate_and_reopen_in_the_real_window() {
    let data = tempfile::tempdir().expect("tempdir");
    let driver = start_driver(data.path());
    let c = session(&driver).await;
    // First run: profile and passphrase, no server.
    fill(&c, "#name", "Amina Bello").await;
    fill(&c, "#organisation", "Kano Civic Forum").await;
    fill(&c, "#passphrase", "a long passphrase").await;
    fill(&c, "#passphrase-again", "a long passphrase").await;
    shot(&c, "01-first-run").await;
    click(&c, "#unlock").await;
    until_text(&c, "main", "No cases yet").await;

    // Quick capture at a town hall: start the session, then save-and-next from the keyboard.
    click(&c, "#nav-capture").await;
    click(&c, "button[aria-expanded]").await;
    fill(&c, "#s-title", "Tarauni electricity town hall").await;
    fill(&c, "#s-venue", "Tarauni LGA secretariat").await;
    pick(&c, "#s-state", "KN").await;
    pick(&c, "#s-lga", "Tarauni").await;
    click(&c, "#start-session").await;
    until_text(&c, "#session", "Tarauni electricity town hall").await;
    // The session's place is every entry's default.
    let lga = c
        .find(Locator::Css("#lga"))
        .await
        .expect("lga")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(lga.as_deref(), Some("Tarauni"));
    for (i, title) in [
        "Estimated billing for eight months",
        "Transformer faulty since March",
        "Officials demanded money for meters",
    ]
    .iter()
    .enumerate()
    {
        if i == 2 {
            pick(&c, "#kind", "corruption_report").await;
            fill(&c, "#reporter-name", "Musa Ibrahim").await;
            click(&c, "#consent-explained").await;
        }
        pick(&c, "#category", "power").await;
        fill(&c, "#title", title).await;
        // Ctrl+Enter in the narrative saves: no mouse needed.
        fill(
            &c,
            "#narrative",
            "Raised at the Tarauni town hall\u{E009}\u{E007}",
        )
        .await;
        until_text(&c, "#saved-list", &format!("-{:04}", i + 1)).await;
    }
    until_text(&c, ".saved .notice", "sealed").await;
    shot(&c, "03-quick-capture").await;

    // Home shows the counts.
    click(&c, "#nav-home").await;
    until_text(&c, ".tiles", "3").await;
    shot(&c, "02-home").await;

    // Find one by search, forward it to the agency, add a note, and work it to resolved.
    click(&c, "#nav-cases").await;
    until_text(&c, ".count-line", ": 3").await;
    until_text(&c, "#cases", "Transformer").await;
    fill(&c, "#search", "transformer").await;
    until_text(&c, ".count-line", ": 1").await;
    assert!(
        !text_of(&c, "#cases").await.contains("Estimated billing"),
        "the search narrows the list"
    );
    shot(&c, "04-case-list").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "h2", "Transformer faulty since March").await;
    click(&c, "#tab-forward").await;
    pick(&c, "#fwd-agency", "KEDCO").await;
    pick(&c, "#fwd-channel", "letter").await;
    fill(&c, "#their-ref", "KCF/2026/114").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#case-status", "Forwarded").await;
    click(&c, "#show-letter").await;
    until_text(&c, "#letter", "Kano Electricity Distribution Company").await;
    click(&c, "#tab-note").await;
    fill(&c, "#note", "Letter delivered to KEDCO Tarauni office").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#timeline", "Letter delivered to KEDCO").await;
    click(&c, "#tab-acknowledge").await;
    fill(&c, "#their-ref", "KEDCO/TAR/ACK/77").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#case-status", "Acknowledged").await;
    until_text(&c, "#timeline", "The agency acknowledged receipt").await;
    for (to, shown) in [("in_progress", "In progress"), ("resolved", "Resolved")] {
        click(&c, "#tab-status").await;
        click(&c, &format!("#to-{to}")).await;
        until_text(&c, "#case-status", shown).await;
    }
    until_text(&c, "#timeline", "Forwarded to KEDCO").await;
    shot(&c, "05-case-page").await;

    // The town hall holds the three cases.
    click(&c, "#nav-sessions").await;
    click(&c, "#sessions button.link").await;
    until_text(&c, ".case-rows", "Officials demanded money").await;
    shot(&c, "06-town-hall").await;

    // The other screens.
    click(&c, "#nav-directory").await;
    fill(&c, "#agency-search", "KEDCO").await;
    click(&c, ".agencies button").await;
    until_text(&c, ".detail", "Escalation ladder").await;
    shot(&c, "07-agencies").await;
    click(&c, "#nav-sync").await;
    until_text(&c, "main", "This laptop works alone").await;
    shot(&c, "08-sync").await;
    click(&c, "#nav-settings").await;
    until_text(&c, "main", "Change passphrase").await;
    shot(&c, "09-settings").await;

    // Hausa, then Yoruba: labels and stored words follow the language.
    pick(&c, "#language", "ha").await;
    until_text(&c, "#nav-cases", "Ƙararraki").await;
    click(&c, "#nav-cases").await;
    until_text(&c, "#cases", "An warware").await;
    shot(&c, "10-hausa").await;
    pick(&c, "#language", "yo").await;
    until_text(&c, "#nav-cases", "Àwọn ẹjọ́").await;
    fill(&c, "#search", "transformer").await;
    until_text(&c, ".count-line", ": 1").await;
    until_text(&c, "#cases", "A ti yanjú").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "#timeline", "A fi ránṣẹ́ sí KEDCO").await;
    shot(&c, "11-yoruba-case").await;
    c.close().await.expect("close");
    drop(driver);

    // Reopen: unlock, everything is still there (and Yoruba remembered).
    let driver = start_driver(data.path());
    let c = session(&driver).await;
    until_text(&c, "#unlock", "Ṣí i").await;
    fill(&c, "#passphrase", "a long passphrase").await;
    shot(&c, "12-unlock").await;
    click(&c, "#unlock").await;
    click(&c, "#nav-cases").await;
    until_text(&c, "#cases", "Estimated billing").await;
    let cases = text_of(&c, "#cases").await;
    for title in [
        "Estimated billing",
        "Transformer faulty",
        "Officials demanded money",
    ] {
        assert!(
            cases.contains(title),
            "{title} missing after reopening: {cases}"
        );
    }
    c.close().await.expect("close");
}
