//! End to end in the real window: tauri-driver + WebKitWebDriver drive the built app under
//! Xvfb. Fails (never skips) when DISPLAY or tauri-driver is missing. Screenshots of each
//! screen go to `target/screenshots/`.

use citizens_e2e::window::{
    click, fill, pick, session, shot, start_driver, start_driver_with, text_of, until_count,
    until_text,
};
use fantoccini::Locator;

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
        if i == 0 {
            pick(&c, "#reporter-gender", "female").await;
        }
        if i == 2 {
            pick(&c, "#kind", "corruption_report").await;
            pick(&c, "#priority", "urgent").await;
            fill(&c, "#reporter-name", "Musa Ibrahim").await;
            pick(&c, "#reporter-gender", "male").await;
            pick(&c, "#reporter-age", "36_60").await;
            pick(&c, "#reporter-disability", "true").await;
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

    // Who reports, in the figures: three reporters are too few to show, even here (the
    // store's own count is checked at the end).
    click(&c, "#nav-dashboard").await;
    until_text(&c, "#who-reports", "Women: fewer than 5").await;
    until_text(&c, "#who-reports", "With disabilityYes: fewer than 5").await;
    click(&c, "#nav-cases").await;
    fill(&c, "#search", "meters").await;
    until_text(&c, ".count-line", ": 1").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "#case-priority", "Urgent").await;

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

    // The town-hall kit: three numbered blank forms, in Hausa; capture then offers the numbers.
    let papers = tempfile::tempdir().expect("papers");
    let kit = papers.path().join("kit.pdf");
    c.find(Locator::Css("#kit-forms"))
        .await
        .expect("forms")
        .clear()
        .await
        .expect("clear");
    fill(&c, "#kit-forms", "3").await;
    pick(&c, "#kit-lang", "ha").await;
    fill(&c, "#kit-path", kit.to_str().expect("utf-8 path")).await;
    click(&c, "#kit-path + button").await;
    until_text(&c, "main", "kit.pdf with 3 numbered forms").await;
    let pdf = std::fs::read(&kit).expect("the kit is written");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    c.execute(
        "document.querySelector('#kit-path').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    shot(&c, "06b-town-hall-kit").await;

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
    // A Hausa article awaits review until a coordinator marks it checked.
    click(&c, "#nav-directory").await;
    click(&c, "aside h3 + ul button").await;
    until_text(
        &c,
        ".detail",
        "Wanda yaren nasa ne bai duba wannan fassarar ba tukuna.",
    )
    .await;
    until_text(&c, ".detail", "Beli a ofishin ʼyan sanda kyauta ne.").await;
    shot(&c, "10b-hausa-article-awaiting-review").await;
    click(&c, "#mark-reviewed").await;
    until_text(
        &c,
        ".detail",
        "Wanda yaren nasa ne ya duba wannan fassarar.",
    )
    .await;
    shot(&c, "10c-hausa-article-reviewed").await;
    pick(&c, "#language", "yo").await;
    until_text(&c, "#nav-cases", "Àwọn ẹjọ́").await;
    click(&c, "#nav-cases").await;
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
    drop(driver);

    // What the capture screen recorded about who reports, as the store counts it.
    let client = citizens_client::Client::open(
        data.path(),
        "a long passphrase",
        citizens_client::app_clock(),
    )
    .expect("open the store");
    let trends = client
        .trends(&citizens_client::Filter::default())
        .expect("trends");
    let said = |question: &str, answer: &str| {
        trends
            .reporters
            .iter()
            .find(|c| c.key == question && c.within == answer)
            .map(|c| c.cases)
    };
    assert_eq!(said("gender", "female"), Some(1));
    assert_eq!(said("gender", "male"), Some(1));
    assert_eq!(said("gender", "not_given"), Some(1));
    assert_eq!(said("age_band", "36_60"), Some(1));
    assert_eq!(said("disability", "yes"), Some(1));
    assert_eq!(said("disability", "not_given"), Some(2));
}

/// A coordinator's morning, from field data already on the laptop: merge the duplicate the
/// app suggests, add a holiday, forward a case and record the acknowledgement; days later (the
/// clock moved on) the case is overdue on home and one action escalates it.
#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_merges_forwards_and_escalates_an_overdue_case_in_the_real_window() {
    use citizens_test_support::{grievance_in, install, FakeClock, PASSPHRASE, TOWN_HALL_DAY};
    use rand::SeedableRng;

    let data = tempfile::tempdir().expect("tempdir");
    {
        // Field data: two tellings of one complaint (same caller) and a power complaint.
        let mut client = install(data.path(), "Ngozi Eze", FakeClock::at(TOWN_HALL_DAY));
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let mut water = grievance_in(&mut rng, "BO", "Maiduguri");
        water.kind = "complaint".into();
        water.category = "water".into();
        water.subcategory = None;
        water.anonymous = false;
        water.reporter_name = Some("Zainab Usman".into());
        water.reporter_phone = Some("0803 555 0142".into());
        water.title = "Taps dry on Baga Road for six weeks".into();
        water.narrative = "The public taps on Baga Road near the Monday market are dry.".into();
        client.capture(&water).expect("first telling");
        water.title = "Baga Road taps still dry".into();
        water.narrative = "No water from the Baga Road taps by the Monday market.".into();
        client.capture(&water).expect("second telling");
        let mut power = grievance_in(&mut rng, "KN", "Fagge");
        power.kind = "complaint".into();
        power.category = "power".into();
        power.subcategory = None;
        power.title = "Transformer on Zoo Road faulty".into();
        power.narrative =
            "The transformer by the Zoo Road market has been faulty for a month.".into();
        client.capture(&power).expect("power");
    }

    let driver = start_driver(data.path());
    let c = session(&driver).await;
    fill(&c, "#passphrase", PASSPHRASE).await;
    click(&c, "#unlock").await;
    click(&c, "#home-duplicates").await;
    until_text(&c, "#dup-0", "Baga Road taps still dry").await;
    until_text(&c, "#dup-0", "same phone number").await;
    shot(&c, "13-duplicates").await;
    click(&c, "#dup-merge-0").await;
    until_text(&c, "#dup-none", "No possible duplicates").await;
    // The kept case shows the merged one: its reporter's consent and its history.
    click(&c, "#nav-cases").await;
    fill(&c, "#search", "six weeks").await;
    until_text(&c, ".count-line", ": 1").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "#merged-cases", "Baga Road taps still dry").await;
    until_text(&c, "#timeline", "was merged into this case").await;
    shot(&c, "13b-merged-case").await;

    // The rulebook: a holiday the government just declared.
    click(&c, "#nav-rules").await;
    until_text(&c, "#routing-rules", "KEDCO").await;
    fill(&c, "#holiday-name", "Special public holiday").await;
    c.execute(
        "const d = document.querySelector('#holiday-day'); d.value = '2027-01-04'; d.dispatchEvent(new Event('input'));",
        vec![],
    )
    .await
    .expect("set the date");
    click(&c, "#add-holiday").await;
    until_text(&c, "#holidays", "Special public holiday").await;
    // No shipped rule covers water in Borno: add one, then route the untriaged cases.
    pick(&c, "#rule-category", "water").await;
    fill(&c, "#rule-states", "BO").await;
    pick(&c, "#rule-agency", "SERVICOM").await;
    click(&c, "#add-rule").await;
    until_text(&c, "#routing-rules", "SERVICOM").await;
    shot(&c, "14-rules").await;
    click(&c, "#nav-cases").await;
    click(&c, "#route-all").await;
    until_text(&c, "main", "2 new cases routed").await;

    // Forward the power case and record KEDCO's acknowledgement.
    click(&c, "#nav-cases").await;
    fill(&c, "#search", "Zoo Road").await;
    until_text(&c, ".count-line", ": 1").await;
    click(&c, "#cases .vrow .ref").await;
    until_text(&c, "h2", "Transformer on Zoo Road faulty").await;
    click(&c, "#tab-forward").await;
    pick(&c, "#fwd-agency", "KEDCO").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#case-status", "Forwarded").await;
    click(&c, "#tab-acknowledge").await;
    fill(&c, "#their-ref", "KEDCO/FAG/ACK/12").await;
    click(&c, "#apply-action").await;
    until_text(&c, "#case-status", "Acknowledged").await;
    c.close().await.expect("close");
    drop(driver);

    // Sixty days later KEDCO's area office has not answered: the case is overdue.
    let driver = start_driver_with(data.path(), &[("CITIZENS_CLOCK_SHIFT_DAYS", "60")]);
    let c = session(&driver).await;
    fill(&c, "#passphrase", PASSPHRASE).await;
    click(&c, "#unlock").await;
    until_text(&c, "#overdue-title", "1").await;
    until_text(&c, ".case-rows", "Transformer on Zoo Road faulty").await;
    shot(&c, "15-overdue").await;
    click(&c, ".case-rows button").await;
    click(&c, "#tab-escalate").await;
    until_text(&c, "main", "Head, Customer Service").await;
    fill(&c, "#note", "No answer from the area office in 60 days").await;
    click(&c, "#apply-action").await;
    until_text(
        &c,
        "#timeline",
        "Escalated to Head, Customer Service (step 2)",
    )
    .await;
    shot(&c, "16-escalated").await;
    // Who changed what, from the record's own history.
    click(&c, "#history summary").await;
    until_text(&c, "#history-table", "created the case").await;
    until_text(&c, "#history-table", "Ngozi Eze on").await;
    until_text(&c, "#history-table", "status, timeline").await;
    // The office acts; the citizen confirms on the call-back and the case closes.
    for (to, shown) in [("in_progress", "In progress"), ("resolved", "Resolved")] {
        click(&c, "#tab-status").await;
        click(&c, &format!("#to-{to}")).await;
        until_text(&c, "#case-status", shown).await;
    }
    click(&c, "#tab-callback").await;
    fill(&c, "#note", "Light is back on Zoo Road since Monday").await;
    click(&c, "#callback-confirmed").await;
    until_text(&c, "#case-status", "Closed").await;
    click(&c, "#nav-home").await;
    until_text(&c, "#overdue-title", "0").await;
    c.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_reads_sorts_filters_and_saves_the_figures_in_every_language() {
    use citizens_test_support::{
        install, worked::worked_cases, FakeClock, PASSPHRASE, TOWN_HALL_DAY,
    };
    let data = tempfile::tempdir().expect("tempdir");
    let other = tempfile::tempdir().expect("tempdir");
    {
        let clock = FakeClock::at(TOWN_HALL_DAY);
        let mut a = install(data.path(), "Ngozi Eze", clock.clone());
        let mut b = install(other.path(), "Emeka Obi", clock.clone());
        worked_cases(&mut a, &mut b, &clock, 150, 5);
    }
    let driver = start_driver(data.path());
    let c = session(&driver).await;
    fill(&c, "#passphrase", PASSPHRASE).await;
    click(&c, "#unlock").await;
    click(&c, "#nav-dashboard").await;
    until_text(&c, "#performance thead", "Days to resolve (median)").await;
    until_text(&c, "#chart-by-month svg title", "Cases per month").await;

    // Sorting: by agency name, then by overdue cases, most first.
    let column = |n: usize| {
        format!("return [...document.querySelectorAll('#performance tbody tr')].map(r => r.children[{n}].textContent);")
    };
    let read = |script: String| {
        let c = c.clone();
        async move {
            let cells = c.execute(&script, vec![]).await.expect("cells");
            cells
                .as_array()
                .expect("a list")
                .iter()
                .map(|v| v.as_str().expect("text").to_string())
                .collect::<Vec<_>>()
        }
    };
    click(&c, "#performance thead th:nth-child(1) button").await;
    let names = read(column(0)).await;
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert!(names.len() >= 5, "{names:?}");
    assert_eq!(names, sorted, "sorted by agency");
    // Days to resolve (the 9th column): most first, agencies without the figure last.
    click(&c, "#performance thead th:nth-child(9) button").await;
    let days: Vec<Option<f64>> = read(column(8))
        .await
        .iter()
        .map(|n| (n != "—").then(|| n.replace(',', "").parse().expect("days")))
        .collect();
    let known: Vec<f64> = days.iter().map_while(|d| *d).collect();
    assert!(known.len() >= 5, "{days:?}");
    assert!(days[known.len()..].iter().all(Option::is_none), "{days:?}");
    assert!(
        known.windows(2).all(|w| w[0] >= w[1]),
        "most days first: {known:?}"
    );
    assert_eq!(
        text_of(&c, "#performance thead th[aria-sort]").await.trim(),
        "Days to resolve (median)"
    );
    shot(&c, "18-figures-en").await;
    c.execute(
        "document.querySelector('#chart-by-month-figure').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    shot(&c, "18b-figures-charts-en").await;

    // One state: the state chart and its table show it alone.
    pick(&c, "#dash-state", "KN").await;
    let rows = "#chart-by-state ~ details tbody tr";
    until_count(&c, rows, 1).await;
    let row = text_of(&c, rows).await;
    let kano: u64 = row
        .trim_start_matches("Kano")
        .trim()
        .replace(',', "")
        .parse()
        .expect("a count");
    assert!(row.starts_with("Kano") && kano > 0, "{row}");

    // The workbook for the same choices: Kano's cases only.
    let out = tempfile::tempdir().expect("out");
    let path = out.path().join("kano-figures.xlsx");
    fill(&c, "#xlsx-path", path.to_str().expect("utf-8 path")).await;
    click(&c, "form.card button[type=submit]").await;
    until_text(&c, "main", &format!("kano-figures.xlsx with {kano} cases")).await;
    assert!(path.exists(), "the workbook is written");
    pick(&c, "#dash-state", "").await;

    // A brief for the meeting with the first agency, in Yorùbá.
    let brief = out.path().join("brief.pdf");
    pick(&c, "#brief-for", &names[0]).await;
    pick(&c, "#brief-lang", "yo").await;
    fill(&c, "#brief-path", brief.to_str().expect("utf-8 path")).await;
    click(&c, "#brief-path + button").await;
    until_text(&c, "main", "brief.pdf.").await;
    let pdf = std::fs::read(&brief).expect("the brief is written");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    c.execute(
        "document.querySelector('#brief-path').scrollIntoView()",
        vec![],
    )
    .await
    .expect("scroll");
    shot(&c, "18c-brief-en").await;

    // Every language: labels and chart words follow.
    for (code, title, chart, saved) in [
        (
            "ha",
            "Alƙaluman da ke sa hukumomi su amsa",
            "Ƙararraki a kowane wata",
            "An ajiye",
        ),
        (
            "yo",
            "Àwọn ìṣirò tí ó ń mú kí ilé iṣẹ́ ìjọba dáhùn",
            "Ẹjọ́ lóṣooṣù",
            "A ti fi",
        ),
        (
            "ig",
            "Ọnụ ọgụgụ na-eme ka ụlọ ọrụ gọọmentị zaa ajụjụ",
            "Okwu kwa ọnwa",
            "Echekwara",
        ),
        (
            "pcm",
            "Figures wey go make agencies answer",
            "Cases every month",
            "We don save",
        ),
    ] {
        pick(&c, "#language", code).await;
        until_text(&c, "h2.page-title", title).await;
        until_text(&c, "#chart-by-month svg title", chart).await;
        c.execute("document.querySelector('main').scrollTop = 0", vec![])
            .await
            .expect("scroll");
        shot(&c, &format!("18-figures-{code}")).await;
        c.execute(
            "document.querySelector('#chart-by-month-figure').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
        shot(&c, &format!("18b-figures-charts-{code}")).await;
        c.execute(
            "document.querySelector('#brief-path').scrollIntoView()",
            vec![],
        )
        .await
        .expect("scroll");
        // What was saved reads in the language chosen since.
        until_text(&c, "#brief-saved", saved).await;
        shot(&c, &format!("18c-brief-{code}")).await;
    }
    pick(&c, "#language", "en").await;
}
