//! The public pages, rendered on the server as plain HTML: no JavaScript, no third-party
//! asset, one small style sheet, in the citizen's language, usable on a cheap phone at 360 px
//! over 2G. Everything a page shows that came from outside is escaped here, in one place.
//! The rules (`citizens_server_core::intake`, `figures`) hand over data; the words are this
//! module's catalogues (`words/`) over the window's (`citizens-words`).

use citizens_core::agency::{Agency, Level};
use citizens_core::article::{CivicArticle, Translation};
use citizens_core::capture::GrievanceInput;
use citizens_core::geo;
use citizens_core::grievance::Kind;
use citizens_core::taxonomy::CATEGORIES;
use citizens_words::{Words, LANGUAGES};

use citizens_core::charts::ChartWords;
use citizens_core::figures::{days, Published};

use citizens_server_core::figures::{Shown, Table, LICENCE, LICENCE_URL};
use citizens_server_core::intake::{Problem, Receipt, Tracked, MAX_NAME, MAX_NARRATIVE};

/// The public pages' own sentences, in `citizens_words::LANGUAGES` order.
const OWN: [&str; 5] = [
    include_str!("words/en.json"),
    include_str!("words/ha.json"),
    include_str!("words/yo.json"),
    include_str!("words/ig.json"),
    include_str!("words/pcm.json"),
];

/// The style sheet every page links (`/public.css`).
pub const STYLE: &str = include_str!("style.css");

/// The Content-Security-Policy of every page: our own style sheet and images, forms posting
/// only to us, nothing else at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The language names, each in itself, for the language links.
const LANGUAGE_NAMES: [&str; 5] = ["English", "Hausa", "Yorùbá", "Igbo", "Naijá"];

/// The words of the public pages in `lang` (English for a language we do not have).
pub fn words(lang: &str) -> Words {
    Words::of(lang)
        .or_else(|_| Words::of("en"))
        .map(|w| w.with(&OWN))
        .unwrap_or_else(|_| unreachable_words())
}

/// English always exists; this is never reached.
fn unreachable_words() -> Words {
    Words::of("en")
        .map(|w| w.with(&OWN))
        .unwrap_or_else(|_| unreachable_words())
}

/// Text made safe in HTML text and attributes (line breaks kept).
pub fn esc(text: &str) -> String {
    text.split('\n')
        .map(citizens_core::charts::escape)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Which page is shown (its tab in the header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// The front page.
    Home,
    /// Report.
    Report,
    /// Track.
    Track,
    /// Know your rights.
    Rights,
    /// The figures that hold agencies to account.
    Figures,
}

/// A whole page: header with the organisation's name, the tabs and the language links; the
/// body; a footer saying what happens to what people send.
pub fn page(w: &Words, org: &str, tab: Tab, path: &str, title: &str, body: &str) -> String {
    let tabs = [
        (Tab::Report, "/report", "pub_tab_report"),
        (Tab::Track, "/track", "pub_tab_track"),
        (Tab::Rights, "/rights", "pub_tab_rights"),
        (Tab::Figures, "/figures", "pub_tab_figures"),
    ];
    let mut nav = String::new();
    for (t, href, key) in tabs {
        let current = if t == tab {
            " aria-current=\"page\""
        } else {
            ""
        };
        nav.push_str(&format!(
            "<a href=\"{href}\"{current}>{}</a>",
            esc(&w.get(key))
        ));
    }
    let langs = language_links(w, path);
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · {org}</title><link rel=\"stylesheet\" href=\"/public.css\"></head>\
         <body><header><a class=\"org\" href=\"/\">{org}</a><nav>{nav}</nav>\
         <p class=\"langs\">{langs}</p></header><main>{body}</main>\
         <footer><p>{footer}</p></footer></body></html>",
        lang = w.lang(),
        title = esc(title),
        org = esc(org),
        footer = esc(&w.get("pub_footer")),
    )
}

/// The links to the page at `path` in each other language (this one in bold).
pub fn language_links(w: &Words, path: &str) -> String {
    let mut langs = String::new();
    for (lang, name) in LANGUAGES.iter().zip(LANGUAGE_NAMES) {
        if *lang == w.lang() {
            langs.push_str(&format!("<b lang=\"{lang}\">{name}</b> "));
        } else {
            langs.push_str(&format!(
                "<a href=\"{}?lang={lang}\" lang=\"{lang}\" hreflang=\"{lang}\">{name}</a> ",
                esc(path)
            ));
        }
    }
    langs
}

/// The front page.
pub fn home(w: &Words, org: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p class=\"big\"><a class=\"button\" href=\"/report\">{}</a> \
         <a class=\"button second\" href=\"/track\">{}</a></p><p>{}</p>",
        esc(&w.get("pub_home_title")),
        esc(&w.fill("pub_home_intro", &[("org", org)])),
        esc(&w.get("pub_tab_report")),
        esc(&w.get("pub_tab_track")),
        esc(&w.get("pub_home_safe")),
    );
    page(w, org, Tab::Home, "/", &w.get("pub_home_title"), &body)
}

/// The report page's first step: which state (the form then lists that state's LGAs only).
pub fn choose_state(w: &Words, org: &str) -> String {
    let mut options = format!("<option value=\"\">{}</option>", esc(&w.get("pub_choose")));
    for s in geo::states() {
        options.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            s.code,
            esc(s.name)
        ));
    }
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p><form method=\"get\" action=\"/report\">\
         <label for=\"state\">{state}</label><select id=\"state\" name=\"state\" required>{options}</select>\
         <button type=\"submit\">{next}</button></form>",
        title = esc(&w.get("pub_report_title")),
        intro = esc(&w.get("pub_report_intro")),
        state = esc(&w.get("pub_state")),
        next = esc(&w.get("pub_next")),
    );
    page(
        w,
        org,
        Tab::Report,
        "/report",
        &w.get("pub_report_title"),
        &body,
    )
}

/// The key of a problem's words in the public pages' catalogues: the rules say which problem,
/// the page says it in the citizen's language.
pub fn problem_key(problem: Problem) -> &'static str {
    match problem {
        Problem::Kind => "problem_kind",
        Problem::Category => "problem_category",
        Problem::State => "problem_state",
        Problem::Lga => "problem_lga",
        Problem::NarrativeMissing => "problem_narrative_missing",
        Problem::NarrativeTooLong => "problem_narrative_long",
        Problem::NameTooLong => "problem_name_long",
        Problem::NarrativeControls | Problem::NameControls => "problem_controls",
        Problem::Phone => "problem_phone",
        Problem::Anonymous => "problem_anonymous",
        Problem::Consent => "problem_consent",
    }
}

fn problem_for(problems: &[Problem], field: &str, w: &Words) -> String {
    problems
        .iter()
        .filter(|p| p.field() == field)
        .map(|p| {
            format!(
                "<p class=\"problem\" id=\"{field}-problem\">{}</p>",
                esc(&w.get(problem_key(*p)))
            )
        })
        .collect()
}

/// The report form for a state, filled with what was sent before (if anything), with each
/// problem next to its field and the form's token hidden in it. `None` when the state is not
/// one of Nigeria's.
pub fn report_form(
    w: &Words,
    org: &str,
    report: &GrievanceInput,
    problems: &[Problem],
    notice: Option<&str>,
    token: &str,
    updates: Option<bool>,
) -> Option<String> {
    let state = geo::state(&report.state).ok()?;
    let checked = |yes: bool| if yes { " checked" } else { "" };
    let mut kinds = String::new();
    let chosen_kind = if report.kind.is_empty() {
        "complaint"
    } else {
        report.kind.as_str()
    };
    for kind in [
        Kind::Complaint,
        Kind::CorruptionReport,
        Kind::Inquiry,
        Kind::Commendation,
    ] {
        kinds.push_str(&format!(
            "<label class=\"choice\"><input type=\"radio\" name=\"kind\" value=\"{v}\"{c}> {label}</label>",
            v = kind.as_str(),
            c = checked(kind.as_str() == chosen_kind),
            label = esc(&w.of_value("kind", kind.as_str())),
        ));
    }
    let mut categories = format!("<option value=\"\">{}</option>", esc(&w.get("pub_choose")));
    for c in CATEGORIES {
        let selected = if c.slug == report.category {
            " selected"
        } else {
            ""
        };
        categories.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            c.slug,
            esc(&w.of_value("cat", c.slug))
        ));
    }
    let mut lgas = format!("<option value=\"\">{}</option>", esc(&w.get("pub_choose")));
    for l in &state.lgas {
        let selected = if *l == report.lga { " selected" } else { "" };
        lgas.push_str(&format!(
            "<option value=\"{0}\"{selected}>{0}</option>",
            esc(l)
        ));
    }
    let summary = if problems.is_empty() {
        String::new()
    } else {
        format!(
            "<p class=\"problem\" role=\"alert\">{}</p>",
            esc(&w.get("pub_fix_below"))
        )
    };
    let notice = notice
        .map(|n| format!("<p class=\"problem\" role=\"alert\">{}</p>", esc(n)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1>{notice}{summary}<p class=\"safe\">{safe}</p>\
         <form method=\"post\" action=\"/report\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"state\" value=\"{state_code}\">\
         <p><b>{state_label}</b> {state_name} · <a href=\"/report\">{change}</a></p>\
         <fieldset><legend>{kind_label}</legend>{kinds}{kind_problem}</fieldset>\
         <label for=\"category\">{category_label}</label><select id=\"category\" name=\"category\">{categories}</select>{category_problem}\
         <label for=\"lga\">{lga_label}</label><select id=\"lga\" name=\"lga\">{lgas}</select>{lga_problem}\
         <label for=\"narrative\">{narrative_label}</label><p class=\"hint\">{narrative_hint}</p>\
         <textarea id=\"narrative\" name=\"narrative\" rows=\"7\" maxlength=\"{max_narrative}\">{narrative}</textarea>{narrative_problem}\
         <div class=\"hp\" aria-hidden=\"true\"><label for=\"website\">{honeypot}</label><input id=\"website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\
         <fieldset><legend>{about_you}</legend><p class=\"hint\">{about_hint}</p>\
         <label class=\"choice\"><input type=\"checkbox\" name=\"anonymous\" value=\"yes\"{anonymous}> {anonymous_label}</label>\
         <label for=\"name\">{name_label}</label><input id=\"name\" name=\"name\" maxlength=\"{max_name}\" autocomplete=\"name\" value=\"{name}\">{name_problem}\
         <label for=\"phone\">{phone_label}</label><input id=\"phone\" name=\"phone\" type=\"tel\" maxlength=\"20\" autocomplete=\"tel\" value=\"{phone}\">{phone_problem}\
         {updates}<label class=\"choice\"><input type=\"checkbox\" name=\"consent\" value=\"yes\"{consent}> {consent_label}</label>{consent_problem}\
         </fieldset><button type=\"submit\">{send}</button></form>",
        title = esc(&w.get("pub_report_title")),
        safe = esc(&w.get("pub_report_safe")),
        state_code = state.code,
        state_label = esc(&w.get("pub_state")),
        state_name = esc(state.name),
        change = esc(&w.get("pub_change")),
        kind_label = esc(&w.get("pub_kind")),
        kind_problem = problem_for(problems, "kind", w),
        category_label = esc(&w.get("pub_category")),
        category_problem = problem_for(problems, "category", w),
        lga_label = esc(&w.get("pub_lga")),
        lga_problem = problem_for(problems, "lga", w),
        narrative_label = esc(&w.get("pub_narrative")),
        narrative_hint = esc(&w.get("pub_narrative_hint")),
        max_narrative = MAX_NARRATIVE,
        narrative = esc(&report.narrative),
        narrative_problem = problem_for(problems, "narrative", w),
        honeypot = esc(&w.get("pub_honeypot")),
        about_you = esc(&w.get("pub_about_you")),
        about_hint = esc(&w.get("pub_about_hint")),
        anonymous = checked(report.anonymous),
        anonymous_label = esc(&w.get("pub_anonymous")),
        name_label = esc(&w.get("pub_name")),
        max_name = MAX_NAME,
        name = esc(report.reporter_name.as_deref().unwrap_or("")),
        name_problem = problem_for(problems, "name", w),
        phone_label = esc(&w.get("pub_phone")),
        phone = esc(report.reporter_phone.as_deref().unwrap_or("")),
        phone_problem = problem_for(problems, "phone", w),
        updates = updates
            .map(|on| format!(
                "<label class=\"choice\"><input type=\"checkbox\" name=\"updates\" value=\"yes\"{}> {}</label>",
                checked(on),
                esc(&w.get("pub_updates_label"))
            ))
            .unwrap_or_default(),
        consent = checked(report.consent_purpose_explained),
        consent_label = esc(&w.get("pub_consent")),
        consent_problem = problem_for(problems, "consent", w),
        send = esc(&w.get("pub_send")),
    );
    Some(page(
        w,
        org,
        Tab::Report,
        "/report",
        &w.get("pub_report_title"),
        &body,
    ))
}

/// The receipt, shown once: the reference and the PIN to write down.
pub fn receipt(w: &Words, org: &str, receipt: &Receipt) -> String {
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p><dl class=\"receipt\"><dt>{reference_label}</dt>\
         <dd id=\"reference\">{reference}</dd><dt>{pin_label}</dt><dd id=\"pin\">{pin}</dd></dl>\
         <p>{keep}</p><p><a class=\"button\" href=\"/track\">{track}</a></p>",
        title = esc(&w.get("pub_receipt_title")),
        intro = esc(&w.get("pub_receipt_intro")),
        reference_label = esc(&w.get("pub_reference")),
        reference = esc(&receipt.reference),
        pin_label = esc(&w.get("pub_pin")),
        pin = esc(&receipt.pin),
        keep = esc(&w.get("pub_receipt_keep")),
        track = esc(&w.get("pub_tab_track")),
    );
    page(
        w,
        org,
        Tab::Report,
        "/report",
        &w.get("pub_receipt_title"),
        &body,
    )
}

/// The track form, with the answer to the last try (if any).
pub fn track(w: &Words, org: &str, reference: &str, answer: Option<&str>) -> String {
    let answer = answer
        .map(|a| format!("<p class=\"problem\" role=\"alert\">{}</p>", esc(a)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{answer}<form method=\"post\" action=\"/track\">\
         <label for=\"reference\">{reference_label}</label>\
         <input id=\"reference\" name=\"reference\" maxlength=\"20\" autocapitalize=\"characters\" value=\"{reference}\">\
         <label for=\"pin\">{pin_label}</label>\
         <input id=\"pin\" name=\"pin\" maxlength=\"12\" autocapitalize=\"characters\" autocomplete=\"off\">\
         <button type=\"submit\">{look}</button></form>",
        title = esc(&w.get("pub_track_title")),
        intro = esc(&w.get("pub_track_intro")),
        reference_label = esc(&w.get("pub_reference")),
        reference = esc(reference),
        pin_label = esc(&w.get("pub_pin")),
        look = esc(&w.get("pub_look")),
    );
    page(
        w,
        org,
        Tab::Track,
        "/track",
        &w.get("pub_track_title"),
        &body,
    )
}

/// The box under a tracked case for adding to it: empty, just added, or what was typed with
/// what is wrong with it.
#[derive(Debug, Clone, Copy)]
pub enum Adding<'a> {
    /// Nothing typed yet.
    Empty,
    /// Added to the case a moment ago.
    Added,
    /// Not added: what was typed, and why (in the citizen's words).
    Refused(&'a str, &'a str),
}

/// Where a tracked case stands, and a box to add to it (the receipt rides along in the form,
/// as the citizen typed it a moment ago on this page).
pub fn tracked(w: &Words, org: &str, t: &Tracked, pin: &str, adding: Adding<'_>) -> String {
    let mut rows = vec![
        (w.get("pub_reference"), t.reference.clone()),
        (w.get("pub_status"), w.of_value("status", t.status.as_str())),
        (
            w.get("pub_agency"),
            t.agency
                .clone()
                .unwrap_or_else(|| w.get("pub_agency_not_yet")),
        ),
    ];
    if let Some(office) = &t.office {
        rows.push((w.get("pub_office"), office.clone()));
    }
    rows.push((w.get("pub_received"), t.received.to_string()));
    rows.push((w.get("pub_updated"), t.updated.to_string()));
    if let Some(due) = t.due {
        rows.push((w.get("pub_due"), due.to_string()));
    }
    let list: String = rows
        .iter()
        .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v)))
        .collect();
    let joined = if t.joined {
        format!("<p>{}</p>", esc(&w.get("pub_joined")))
    } else {
        String::new()
    };
    let (said, typed) = match adding {
        Adding::Empty => (String::new(), ""),
        Adding::Added => (
            format!(
                "<p class=\"safe\" role=\"status\" id=\"added\">{}</p>",
                esc(&w.get("pub_added"))
            ),
            "",
        ),
        Adding::Refused(typed, why) => (
            format!(
                "<p class=\"problem\" role=\"alert\" id=\"add-problem\">{}</p>",
                esc(why)
            ),
            typed,
        ),
    };
    let questions = if t.questions.is_empty() {
        String::new()
    } else {
        let items: String = t
            .questions
            .iter()
            .map(|q| format!("<li>{}</li>", esc(q)))
            .collect();
        format!(
            "<h2>{}</h2><ol id=\"questions\">{items}</ol>",
            esc(&w.get("pub_questions"))
        )
    };
    let body = format!(
        "<h1>{title}</h1>{joined}<dl class=\"receipt\" id=\"tracked\">{list}</dl><p>{next}</p>\
         {questions}<h2>{add_title}</h2>{said}<form method=\"post\" action=\"/track/add\" accept-charset=\"utf-8\">\
         <input type=\"hidden\" name=\"reference\" value=\"{reference}\">\
         <input type=\"hidden\" name=\"pin\" value=\"{pin}\">\
         <label for=\"text\">{add_label}</label><p class=\"hint\">{add_hint}</p>\
         <textarea id=\"text\" name=\"text\" rows=\"5\" maxlength=\"{max}\">{typed}</textarea>\
         <button type=\"submit\">{add_send}</button></form>\
         <p><a href=\"/track\">{again}</a></p>",
        title = esc(&w.get("pub_track_title")),
        next = esc(&w.of_value("pub_next_step", t.status.as_str())),
        add_title = esc(&w.get("pub_add_title")),
        reference = esc(&t.reference),
        pin = esc(pin),
        add_label = esc(&w.get("pub_add_label")),
        add_hint = esc(&w.get("pub_add_hint")),
        max = MAX_NARRATIVE,
        typed = esc(typed),
        add_send = esc(&w.get("pub_add_send")),
        again = esc(&w.get("pub_track_another")),
    );
    page(
        w,
        org,
        Tab::Track,
        "/track",
        &w.get("pub_track_title"),
        &body,
    )
}

/// Paragraphs from text with blank lines between them.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", esc(p.trim())))
        .collect()
}

/// Know your rights: the civic articles, then every agency of the directory by tier.
pub fn rights(w: &Words, org: &str, agencies: &[Agency], articles: &[CivicArticle]) -> String {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p><h2>{}</h2><ul class=\"links\">",
        esc(&w.get("know_your_rights")),
        esc(&w.get("pub_rights_intro")),
        esc(&w.get("pub_articles")),
    );
    for a in articles {
        let (title, _) = a.localized(w.lang());
        body.push_str(&format!(
            "<li><a href=\"/rights/article/{}\">{}</a></li>",
            esc(&a.slug),
            esc(title)
        ));
    }
    body.push_str(&format!("</ul><h2>{}</h2>", esc(&w.get("find_agency"))));
    for level in Level::ALL {
        let mut of_level: Vec<&Agency> = agencies.iter().filter(|a| a.level == *level).collect();
        // A state's agencies together, the states in alphabetical order (federal ones keep the
        // directory's order: the services people ask about most come first).
        of_level.sort_by_key(|a| {
            a.state
                .as_deref()
                .and_then(|s| geo::state(s).ok())
                .map(|s| s.name)
        });
        if of_level.is_empty() {
            continue;
        }
        body.push_str(&format!(
            "<h3>{}</h3><ul class=\"links\">",
            esc(&w.of_value("level", level.as_str()))
        ));
        for a in of_level {
            let place = a
                .state
                .as_deref()
                .and_then(|s| geo::state(s).ok())
                .map(|s| format!(" · {}", esc(s.name)))
                .unwrap_or_default();
            body.push_str(&format!(
                "<li><a href=\"/rights/agency/{}\">{}</a> <span class=\"hint\">{}{place}</span></li>",
                esc(&a.short_name),
                esc(&a.name),
                esc(&a.short_name),
            ));
        }
        body.push_str("</ul>");
    }
    page(
        w,
        org,
        Tab::Rights,
        "/rights",
        &w.get("know_your_rights"),
        &body,
    )
}

/// The transparency page: how each agency answers the cases the organisation took on, the
/// trends drawn, and the open data; every figure from fewer than 5 cases reads "fewer than 5"
/// (counted so on the coordinator's laptop, checked again by the server).
pub fn figures(w: &Words, org: &str, shown: Option<&Shown>) -> String {
    let title = w.get("pub_figures_title");
    let Some(shown) = shown else {
        let body = format!(
            "<h1>{}</h1><p>{}</p>",
            esc(&title),
            esc(&w.fill("pub_figures_none", &[("org", org)]))
        );
        return page(w, org, Tab::Figures, "/figures", &title, &body);
    };
    let f = &shown.figures;
    let mut body = format!(
        "<h1>{}</h1><p>{}</p><p class=\"hint\">{}</p><h2>{}</h2>",
        esc(&title),
        esc(&w.fill(
            "pub_figures_intro",
            &[
                ("org", org),
                ("day", &f.as_of),
                (
                    "cases",
                    &f.cases.0.map_or_else(|| w.withheld(), |n| n.to_string())
                ),
            ]
        )),
        esc(&w.fill("pub_figures_small", &[("withheld", &w.withheld())])),
        esc(&w.get("dash_performance")),
    );
    if f.agencies.is_empty() {
        body.push_str(&format!(
            "<p>{}</p>",
            esc(&w.get("pub_figures_no_agencies"))
        ));
    } else {
        let columns = [
            w.get("dash_received"),
            w.get("dash_acknowledged"),
            w.get("dash_confirmed"),
            w.get("dash_resolved"),
            w.get("dash_resolve_days"),
        ];
        body.push_str(&format!(
            "<div class=\"scroll\"><table class=\"league\"><thead><tr><th scope=\"col\">{}</th>",
            esc(&w.get("agency"))
        ));
        for c in &columns {
            body.push_str(&format!("<th scope=\"col\" class=\"n\">{}</th>", esc(c)));
        }
        body.push_str("</tr></thead><tbody>");
        for a in &f.agencies {
            body.push_str(&format!(
                "<tr><th scope=\"row\"><a href=\"/rights/agency/{short}\">{short}</a>\
                 <span class=\"hint\"> {name} · {level}</span></th>{}{}{}{}{}</tr>",
                count_cell(w, &columns[0], a.received),
                count_cell(w, &columns[1], a.acknowledged),
                count_cell(w, &columns[2], a.confirmed),
                count_cell(w, &columns[3], a.resolved),
                figure_cell(w, &columns[4], a.median_days_to_resolve.0.map(days)),
                short = esc(&a.short_name),
                name = esc(&a.name),
                level = esc(&w.of_value("level", &a.level)),
            ));
        }
        body.push_str(&format!(
            "</tbody></table></div><p class=\"hint\">{}</p>",
            esc(&w.get("pub_figures_note"))
        ));
    }
    let charts = f.charts(&ChartWords::of(|k| w.get(k)));
    body.push_str(&format!("<h2>{}</h2>", esc(&w.get("pub_figures_trends"))));
    for (key, chart, rows) in [
        ("chart_by_month", &charts.by_month, month_rows(w, f)),
        (
            "chart_by_category",
            &charts.by_category,
            count_rows(w, "category", &f.categories, |k| w.of_value("cat", k)),
        ),
        (
            "chart_by_state",
            &charts.by_state,
            count_rows(w, "state", &f.states, |k| {
                geo::state(k).map_or_else(|_| k.to_string(), |s| s.name.to_string())
            }),
        ),
    ] {
        // The charts are our own SVG: every text in them is escaped where they are drawn.
        body.push_str(&format!(
            "<h3>{}</h3><figure>{chart}<details><summary>{}</summary><div class=\"scroll\">{rows}</div></details></figure>",
            esc(&w.get(key)),
            esc(&w.get("dash_numbers"))
        ));
    }
    body.push_str(&format!(
        "<h2>{}</h2><p>{}</p><ul class=\"links\"><li><a href=\"/figures.json\">{}</a></li>",
        esc(&w.get("pub_figures_data")),
        esc(&w.fill("pub_figures_licence", &[("org", org), ("licence", LICENCE)])),
        esc(&w.get("pub_figures_json")),
    ));
    for table in Table::ALL {
        let name = table.name();
        body.push_str(&format!(
            "<li><a href=\"/figures/{name}.csv\">{}</a></li>",
            esc(&w.get(&format!("pub_figures_csv_{name}"))),
        ));
    }
    body.push_str(&format!(
        "</ul><p class=\"hint\"><a href=\"{LICENCE_URL}\" rel=\"license\">{LICENCE}</a> · {}</p>",
        esc(&w.fill(
            "pub_figures_published",
            &[("when", &shown.published_at.to_string())]
        )),
    ));
    page(w, org, Tab::Figures, "/figures", &title, &body)
}

/// The numbers behind the monthly chart, as a table.
fn month_rows(w: &Words, f: &citizens_core::figures::PublicFigures) -> String {
    let columns = [
        w.get("chart_open"),
        w.get("chart_resolved"),
        w.get("chart_ended"),
    ];
    let mut out = format!(
        "<table><thead><tr><th scope=\"col\">{}</th>",
        esc(&w.get("dash_month"))
    );
    for c in &columns {
        out.push_str(&format!("<th scope=\"col\" class=\"n\">{}</th>", esc(c)));
    }
    out.push_str("</tr></thead><tbody>");
    for m in &f.months {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th>{}{}{}</tr>",
            esc(&m.month),
            count_cell(w, &columns[0], m.open),
            count_cell(w, &columns[1], m.resolved),
            count_cell(w, &columns[2], m.ended)
        ));
    }
    out + "</tbody></table>"
}

/// A table cell holding a figure as it may be published, labelled for the phone layout.
fn figure_cell(w: &Words, label: &str, value: Option<String>) -> String {
    match value {
        Some(v) => format!(
            "<td class=\"n\" data-label=\"{}\">{}</td>",
            esc(label),
            esc(&v)
        ),
        None => format!(
            "<td class=\"n withheld\" data-label=\"{}\">{}</td>",
            esc(label),
            esc(&w.withheld())
        ),
    }
}

fn count_cell(w: &Words, label: &str, count: Published<u32>) -> String {
    figure_cell(w, label, count.0.map(|n| n.to_string()))
}

/// The numbers behind a bar chart (every key, named by `name`), as a table.
fn count_rows(
    w: &Words,
    heading: &str,
    counts: &[citizens_core::figures::PublicCount],
    name: impl Fn(&str) -> String,
) -> String {
    let cases = w.get("dash_cases");
    let mut out = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\" class=\"n\">{}</th></tr></thead><tbody>",
        esc(&w.get(heading)),
        esc(&cases),
    );
    let ranked =
        citizens_core::charts::ranked(counts.iter().map(|c| (c.key.clone(), c.cases.0)).collect());
    for (key, count) in ranked {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th>{}</tr>",
            esc(&name(&key)),
            count_cell(w, &cases, Published(count)),
        ));
    }
    out + "</tbody></table>"
}

/// One agency: what it does, its services with their official fees and documents, how to
/// reach it, and the offices to complain to in turn.
pub fn agency(w: &Words, org: &str, a: &Agency) -> String {
    let mut body = format!(
        "<p><a href=\"/rights\">{}</a></p><h1>{}</h1><p>{}</p>",
        esc(&w.get("know_your_rights")),
        esc(&a.name),
        esc(&a.mandate)
    );
    if !a.services.is_empty() {
        body.push_str(&format!("<h2>{}</h2>", esc(&w.get("services_fees"))));
        for s in &a.services {
            body.push_str(&format!("<h3>{}</h3><dl class=\"receipt\">", esc(&s.name)));
            let mut row = |k: &str, v: &str| {
                body.push_str(&format!("<dt>{}</dt><dd>{}</dd>", esc(&w.get(k)), esc(v)));
            };
            if let Some(fee) = &s.official_fee {
                row("official_fee", fee);
            }
            if let Some(t) = &s.turnaround {
                row("turnaround", t);
            }
            if let Some(wh) = &s.where_to_apply {
                row("pub_where_to_apply", wh);
            }
            if !s.documents.is_empty() {
                row("documents", &s.documents.join("; "));
            }
            body.push_str("</dl>");
        }
        body.push_str(&format!(
            "<p class=\"safe\">{}</p>",
            esc(&w.get("pub_fee_warning"))
        ));
    }
    if !a.contacts.is_empty() {
        body.push_str(&format!("<h2>{}</h2><ul>", esc(&w.get("contacts"))));
        for c in &a.contacts {
            body.push_str(&format!("<li>{}: {}</li>", esc(&c.channel), esc(&c.value)));
        }
        body.push_str("</ul>");
    }
    if !a.ladder.is_empty() {
        body.push_str(&format!(
            "<h2>{}</h2><p>{}</p><ol>",
            esc(&w.get("pub_how_to_complain")),
            esc(&w.get("pub_ladder_intro"))
        ));
        for step in &a.ladder {
            body.push_str(&format!(
                "<li>{} <span class=\"hint\">({})</span></li>",
                esc(&step.office),
                esc(&w.fill("days_allowed", &[("days", &step.sla_days.to_string())]))
            ));
        }
        body.push_str("</ol>");
    }
    body.push_str(&format!(
        "<p><a class=\"button\" href=\"/report\">{}</a></p>",
        esc(&w.get("pub_tab_report"))
    ));
    page(w, org, Tab::Rights, "/rights", &a.name, &body)
}

/// One civic article in the citizen's language, saying so when its translation has not been
/// checked by a native speaker.
pub fn article(w: &Words, org: &str, a: &CivicArticle) -> String {
    let (title, text) = a.localized(w.lang());
    let hint = |key: &str| format!("<p class=\"hint\">{}</p>", esc(&w.get(key)));
    let note = match a.translation(w.lang()) {
        Translation::Original | Translation::Reviewed => String::new(),
        Translation::AwaitingReview => hint("pub_translation_review"),
        Translation::Missing => hint("pub_translation_missing"),
    };
    let body = format!(
        "<p><a href=\"/rights\">{}</a></p><h1>{}</h1>{note}{}<p><a class=\"button\" href=\"/report\">{}</a></p>",
        esc(&w.get("know_your_rights")),
        esc(title),
        paragraphs(text),
        esc(&w.get("pub_tab_report")),
    );
    page(w, org, Tab::Rights, "/rights", title, &body)
}

/// A page saying only `message` (a refusal, nothing found).
pub fn message(w: &Words, org: &str, title_key: &str, message: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/\">{}</a></p>",
        esc(&w.get(title_key)),
        esc(message),
        esc(&w.get("pub_home_link"))
    );
    page(w, org, Tab::Home, "/", &w.get(title_key), &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_sentence_of_the_public_pages() {
        citizens_words::check_complete(&OWN).expect("the public pages' catalogues are complete");
        for p in Problem::ALL {
            let key = problem_key(p);
            for lang in LANGUAGES {
                assert_ne!(words(lang).get(key), key, "{lang} lacks {p:?}");
            }
        }
        for status in citizens_core::lifecycle::Status::ALL {
            let key = format!("pub_next_step_{}", status.as_str());
            assert_ne!(words("en").get(&key), key);
        }
    }

    #[test]
    fn what_citizens_typed_is_shown_as_text() {
        let report = GrievanceInput {
            state: "KN".into(),
            narrative: "<script>alert(1)</script>\n\"quoted\" & more".into(),
            reporter_name: Some("\"><img src=x>".into()),
            ..GrievanceInput::default()
        };
        let html =
            report_form(&words("en"), "Org <b>", &report, &[], None, "t", None).expect("form");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\n&quot;quoted&quot; &amp; more")
        );
        assert!(html.contains("value=\"&quot;&gt;&lt;img src=x&gt;\""));
        assert!(html.contains("Org &lt;b&gt;"));
        assert!(!html.contains("<script") && !html.contains("<img"));
    }
}
