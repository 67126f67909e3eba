//! The public pages in a real browser (headless Chromium through chromedriver) against a real
//! server process: a citizen reports, gets a receipt and tracks it, in two languages, on a
//! phone-sized screen; the reports reach a coordinator's laptop by sync. Every page in every
//! language is captured at 360 px and 1366 px (`target/screenshots/web/`), and none is wider
//! than a 360 px phone; the transparency page shows the figures a coordinator's laptop
//! published.

use citizens_e2e::binary;
use citizens_e2e::browser::{browser, page_shot, start_chromedriver};
use citizens_e2e::window::{click, fill, pick, text_of, until_text};
use citizens_test_support::device::Device;
use citizens_test_support::server::{Backend, Server, ORG};

const PAGES: [(&str, &str); 8] = [
    ("home", "/"),
    ("report-state", "/report"),
    ("report-form", "/report?state=KN"),
    ("track", "/track"),
    ("rights", "/rights"),
    ("agency", "/rights/agency/NIS"),
    ("article", "/rights/article/bail-is-free"),
    ("figures", "/figures"),
];

async fn lang_of(c: &fantoccini::Client) -> String {
    c.execute("return document.documentElement.lang;", vec![])
        .await
        .expect("lang")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn page_width(c: &fantoccini::Client) -> u64 {
    c.execute("return document.documentElement.scrollWidth;", vec![])
        .await
        .expect("width")
        .as_u64()
        .unwrap_or(u64::MAX)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_reports_and_tracks_on_a_phone_in_two_languages_and_the_coordinator_gets_both() {
    let config =
        format!("public_org = \"{ORG}\"\npublic_name = \"Kano Civic Forum\"\nmin_fill_secs = 0\n");
    let (server, mut coordinator) = tokio::task::block_in_place(|| {
        let server = Server::start_configured(binary("citizens-server"), Backend::Sqlite, &config);
        // A coordinator whose laptop holds months of worked cases publishes their figures.
        let mut coordinator = Device::coordinator_with_worked_cases(&server, "Amina Yusuf", 150, 5);
        assert!(coordinator.sync().figures_published);
        (server, coordinator)
    });
    let url = server.url.clone();
    let driver = start_chromedriver();
    let c = browser(&driver).await;

    let mut receipts = Vec::new();
    for (lang, category, lga, narrative, new) in [
        (
            "en",
            "water",
            "Fagge",
            "No water from the board's pipes in Fagge for three weeks.",
            "New",
        ),
        (
            "ha",
            "power",
            "Gwale",
            "Ba mu da wutar lantarki a Gwale tun mako biyu.",
            "Sabo",
        ),
    ] {
        c.goto(&format!("{url}/?lang={lang}")).await.expect("home");
        click(&c, "a.button[href='/report']").await;
        // The language chosen is remembered from page to page.
        assert_eq!(lang_of(&c).await, lang);
        pick(&c, "#state", "KN").await;
        click(&c, "button[type=submit]").await;
        pick(&c, "#category", category).await;
        pick(&c, "#lga", lga).await;
        fill(&c, "#narrative", narrative).await;
        fill(&c, "#phone", "0803 555 0142").await;
        click(&c, "input[name=consent]").await;
        page_shot(&c, &format!("flow-{lang}-1-form"), 360).await;
        click(&c, "button[type=submit]").await;
        let reference = text_of(&c, "#reference").await;
        let pin = text_of(&c, "#pin").await;
        assert!(reference.starts_with("KN-"), "{reference}");
        assert_eq!(pin.len(), 8);
        page_shot(&c, &format!("flow-{lang}-2-receipt"), 360).await;
        click(&c, "a.button[href='/track']").await;
        fill(&c, "#reference", &reference).await;
        fill(&c, "#pin", &pin).await;
        click(&c, "button[type=submit]").await;
        until_text(&c, "#tracked", new).await;
        assert!(!text_of(&c, "main").await.contains(narrative));
        page_shot(&c, &format!("flow-{lang}-3-tracked"), 360).await;
        // What they forgot, added below where it stands.
        let forgot = format!("{lang}: the pipe by the school leaks too.");
        fill(&c, "#text", &forgot).await;
        click(&c, "form[action='/track/add'] button[type=submit]").await;
        let added = if lang == "en" {
            "Added to your report"
        } else {
            "An ƙara wa rahotonka"
        };
        until_text(&c, "#added", added).await;
        assert!(page_width(&c).await <= 360, "the added page in {lang}");
        page_shot(&c, &format!("flow-{lang}-4-added"), 360).await;
        receipts.push((reference, forgot));
    }

    for lang in citizens_words::LANGUAGES {
        for (name, path) in PAGES {
            let sep = if path.contains('?') { '&' } else { '?' };
            c.goto(&format!("{url}{path}{sep}lang={lang}"))
                .await
                .expect("page");
            assert_eq!(lang_of(&c).await, lang, "{path}");
            c.set_window_size(360, 780).await.expect("resize");
            assert!(
                page_width(&c).await <= 360,
                "{path} in {lang} is wider than a phone"
            );
            page_shot(&c, &format!("{name}-{lang}-360"), 360).await;
            page_shot(&c, &format!("{name}-{lang}-1366"), 1366).await;
        }
    }
    c.close().await.expect("close");

    tokio::task::block_in_place(|| {
        coordinator.sync();
        let references = coordinator.references();
        for (receipt, forgot) in &receipts {
            assert!(
                references.contains(receipt),
                "{receipt} reached the coordinator"
            );
            let view = coordinator.client.open_case(receipt).expect("case");
            assert!(
                view.timeline
                    .iter()
                    .any(|e| e.params.get("text") == Some(&format!("Follow-up by web: {forgot}"))),
                "what {receipt}'s citizen added reached the coordinator"
            );
        }
    });
}
