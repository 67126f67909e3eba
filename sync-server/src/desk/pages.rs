//! The agency desk's pages, rendered on the server as plain HTML with the public pages' style
//! sheet: no JavaScript, in the officer's language, usable at 360 px. Everything shown that
//! came from a case is escaped here.

use citizens_core::answers::{Unanswerable, MAX_ANSWER};
use citizens_server_core::desk::{DeskCase, Officer, Queue, Refused, SecondFactor, MAX_PASSPHRASE};
use citizens_words::Words;

use crate::public::pages::{esc, language_links};

/// The desk's own sentences, in `citizens_words::LANGUAGES` order.
const OWN: [&str; 5] = [
    include_str!("words/en.json"),
    include_str!("words/ha.json"),
    include_str!("words/yo.json"),
    include_str!("words/ig.json"),
    include_str!("words/pcm.json"),
];

/// The public pages' words with the desk's own.
pub fn with_desk(w: Words) -> Words {
    w.with(&OWN)
}

/// What the case page says above its forms.
#[derive(Debug, Clone, Copy)]
pub enum Said<'a> {
    /// An answer was taken.
    Done,
    /// An answer was not taken: which action, what was typed, and why.
    Refused(&'a str, &'a str, Unanswerable),
}

/// The words for a sign-in or set-up refusal.
pub fn refusal(w: &Words, why: Refused) -> String {
    w.get(&format!("desk_refused_{}", why.as_str()))
}

/// A whole desk page: the header (the officer and sign-out, when signed in), the body.
fn page(
    w: &Words,
    title: &str,
    path: &str,
    signed_in: Option<(&Officer, &str)>,
    body: &str,
) -> String {
    let langs = language_links(w, path);
    let who = match signed_in {
        Some((o, form)) => format!(
            "<nav><a href=\"/desk/cases\">{cases}</a></nav>\
             <p class=\"langs\">{as_who}</p>\
             <form method=\"post\" action=\"/desk/sign-out\" class=\"inline\">\
             <input type=\"hidden\" name=\"form\" value=\"{form}\">\
             <button type=\"submit\" class=\"link\">{out}</button>\
             <button type=\"submit\" class=\"link\" name=\"everywhere\" value=\"1\">{all}</button></form>",
            cases = esc(&w.fill("desk_queue_title", &[("agency", &o.agency_name)])),
            as_who = esc(&w.fill("desk_signed_in_as", &[("name", &o.name), ("login", &o.login)])),
            form = esc(form),
            out = esc(&w.get("desk_sign_out")),
            all = esc(&w.get("desk_sign_out_all")),
        ),
        None => String::new(),
    };
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{title} · {desk}</title><link rel=\"stylesheet\" href=\"/public.css\"></head>\
         <body><header><a class=\"org\" href=\"/desk\">{desk}</a>{who}\
         <p class=\"langs\">{langs}</p></header><main>{body}</main>\
         <footer><p>{footer}</p></footer></body></html>",
        lang = w.lang(),
        title = esc(title),
        desk = esc(&w.get("desk_title")),
        footer = esc(&w.get("desk_footer")),
    )
}

fn problem(said: Option<&str>) -> String {
    said.map(|s| {
        format!(
            "<p class=\"problem\" role=\"alert\" id=\"problem\">{}</p>",
            esc(s)
        )
    })
    .unwrap_or_default()
}

/// The sign-in page (with what went wrong, and the sign-in name typed).
pub fn sign_in(w: &Words, said: Option<&str>, login: &str) -> String {
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{said}\
         <form method=\"post\" action=\"/desk\">\
         <label for=\"login\">{login_label}</label><p class=\"hint\">{login_hint}</p>\
         <input id=\"login\" name=\"login\" autocomplete=\"username\" autocapitalize=\"characters\" maxlength=\"20\" value=\"{login}\">\
         <label for=\"passphrase\">{pass}</label>\
         <input id=\"passphrase\" name=\"passphrase\" type=\"password\" autocomplete=\"current-password\" maxlength=\"{max}\">\
         <label for=\"code\">{code}</label><p class=\"hint\">{code_hint}</p>\
         <input id=\"code\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"7\">\
         <button type=\"submit\">{go}</button></form>\
         <p><a href=\"/desk/setup\">{setup}</a></p>",
        title = esc(&w.get("desk_sign_in")),
        intro = esc(&w.get("desk_intro")),
        said = problem(said),
        login_label = esc(&w.get("desk_login")),
        login_hint = esc(&w.get("desk_login_hint")),
        login = esc(login),
        pass = esc(&w.get("desk_passphrase")),
        max = MAX_PASSPHRASE,
        code = esc(&w.get("desk_code")),
        code_hint = esc(&w.get("desk_code_hint")),
        go = esc(&w.get("desk_sign_in")),
        setup = esc(&w.get("desk_set_up_link")),
    );
    page(w, &w.get("desk_sign_in"), "/desk", None, &body)
}

/// Set-up, first step: the one-time code and a passphrase, twice.
pub fn setup(w: &Words, said: Option<&str>, code: &str) -> String {
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{said}\
         <form method=\"post\" action=\"/desk/setup\">\
         <label for=\"code\">{code_label}</label>\
         <input id=\"code\" name=\"code\" autocomplete=\"off\" autocapitalize=\"characters\" maxlength=\"24\" value=\"{code}\">\
         <label for=\"passphrase\">{pass}</label>\
         <input id=\"passphrase\" name=\"passphrase\" type=\"password\" autocomplete=\"new-password\" maxlength=\"{max}\">\
         <label for=\"again\">{again}</label>\
         <input id=\"again\" name=\"again\" type=\"password\" autocomplete=\"new-password\" maxlength=\"{max}\">\
         <button type=\"submit\">{go}</button></form>",
        title = esc(&w.get("desk_setup_title")),
        intro = esc(&w.get("desk_setup_intro")),
        said = problem(said),
        code_label = esc(&w.get("desk_setup_code")),
        code = esc(code),
        pass = esc(&w.get("desk_passphrase")),
        again = esc(&w.get("desk_passphrase_again")),
        max = MAX_PASSPHRASE,
        go = esc(&w.get("desk_continue")),
    );
    page(w, &w.get("desk_setup_title"), "/desk/setup", None, &body)
}

/// Set-up, last step: the second factor's key, and its first code.
pub fn factor(w: &Words, factor: &SecondFactor, code: &str, said: Option<&str>) -> String {
    let grouped: Vec<String> = factor
        .secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let body = format!(
        "<h1>{title}</h1><p>{intro}</p>{said}\
         <dl class=\"receipt\"><dt>{name_label}</dt><dd id=\"login\">{login}</dd>\
         <dt>{key_label}</dt><dd id=\"secret\">{secret}</dd></dl>\
         <p><a class=\"button second\" href=\"{uri}\">{link}</a></p><p class=\"safe\">{keep}</p>\
         <form method=\"post\" action=\"/desk/setup/confirm\">\
         <input type=\"hidden\" name=\"code\" value=\"{code}\">\
         <label for=\"totp\">{code_label}</label><p class=\"hint\">{code_hint}</p>\
         <input id=\"totp\" name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"7\">\
         <button type=\"submit\">{go}</button></form>",
        title = esc(&w.get("desk_factor_title")),
        intro = esc(&w.get("desk_factor_intro")),
        said = problem(said),
        name_label = esc(&w.get("desk_factor_name")),
        login = esc(&factor.login),
        key_label = esc(&w.get("desk_factor_key")),
        secret = esc(&grouped.join(" ")),
        uri = esc(&factor.uri),
        link = esc(&w.get("desk_factor_link")),
        keep = esc(&w.get("desk_factor_keep")),
        code = esc(code),
        code_label = esc(&w.get("desk_code")),
        code_hint = esc(&w.get("desk_code_hint")),
        go = esc(&w.get("desk_finish")),
    );
    page(w, &w.get("desk_factor_title"), "/desk/setup", None, &body)
}

/// Whether a case is in a queue.
pub fn in_queue(case: &DeskCase, queue: Queue) -> bool {
    match queue {
        Queue::All => true,
        Queue::Overdue => case.overdue,
        q => case.queue == q,
    }
}

/// Whether a case's reference holds what was searched (nothing searched: every case).
pub fn matches(case: &DeskCase, search: &str) -> bool {
    let search = search.trim().to_ascii_uppercase();
    search.is_empty() || case.reference.contains(&search)
}

/// The officer's queue: the tabs with their counts, a search by reference, the cases.
pub fn queue(
    w: &Words,
    officer: &Officer,
    form: &str,
    shown_queue: Queue,
    search: &str,
    counts: &[(Queue, usize)],
    cases: &[DeskCase],
) -> String {
    let tabs: String = counts
        .iter()
        .map(|(q, n)| {
            let current = if *q == shown_queue {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<a href=\"/desk/cases?queue={word}\"{current}>{name} ({n})</a>",
                word = q.as_str(),
                name = esc(&w.get(&format!("desk_queue_{}", q.as_str()))),
            )
        })
        .collect();
    let rows: String = cases
        .iter()
        .map(|c| {
            let overdue = if c.overdue {
                format!(" <b class=\"problem\">{}</b>", esc(&w.get("desk_overdue")))
            } else {
                String::new()
            };
            format!(
                "<tr><th scope=\"row\"><a href=\"/desk/case/{id}\">{reference}</a></th>\
                 <td data-label=\"{l_title}\">{title}</td>\
                 <td data-label=\"{l_status}\">{status}{overdue}</td>\
                 <td data-label=\"{l_received}\">{received}</td>\
                 <td data-label=\"{l_due}\">{due}</td></tr>",
                id = c.id,
                reference = esc(&c.reference),
                title = esc(&c.title),
                status = esc(&w.of_value("status", c.status.as_str())),
                received = c.received,
                due = c.due.map(|d| d.to_string()).unwrap_or_default(),
                l_title = esc(&w.get("desk_col_title")),
                l_status = esc(&w.get("desk_col_status")),
                l_received = esc(&w.get("desk_col_received")),
                l_due = esc(&w.get("desk_col_due")),
            )
        })
        .collect();
    let list = if cases.is_empty() {
        format!("<p id=\"none\">{}</p>", esc(&w.get("desk_none")))
    } else {
        format!(
            "<table class=\"league\" id=\"cases\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{rows}</tbody></table>",
            esc(&w.get("desk_col_reference")),
            esc(&w.get("desk_col_title")),
            esc(&w.get("desk_col_status")),
            esc(&w.get("desk_col_received")),
            esc(&w.get("desk_col_due")),
        )
    };
    let title = w.fill("desk_queue_title", &[("agency", &officer.agency_name)]);
    let body = format!(
        "<h1>{title_html}</h1><nav class=\"tabs\">{tabs}</nav>\
         <form method=\"get\" action=\"/desk/cases\" class=\"search\">\
         <input type=\"hidden\" name=\"queue\" value=\"{queue}\">\
         <label for=\"q\">{search_label}</label>\
         <input id=\"q\" name=\"q\" maxlength=\"20\" autocapitalize=\"characters\" value=\"{search}\">\
         <button type=\"submit\">{find}</button></form>{list}\
         <p><a href=\"/desk/cases.csv\">{csv}</a></p>",
        title_html = esc(&title),
        queue = shown_queue.as_str(),
        search_label = esc(&w.get("desk_search")),
        search = esc(search),
        find = esc(&w.get("desk_search_button")),
        csv = esc(&w.get("desk_csv")),
    );
    page(w, &title, "/desk/cases", Some((officer, form)), &body)
}

/// One case: what the organisation shares, what happened, and the forms to answer it.
pub fn case(
    w: &Words,
    officer: &Officer,
    form: &str,
    case: &DeskCase,
    said: Option<Said<'_>>,
) -> String {
    let mut rows = vec![
        (
            w.get("desk_status"),
            w.of_value("status", case.status.as_str()),
        ),
        (w.get("desk_kind"), w.of_value("kind", case.kind.as_str())),
        (w.get("desk_category"), w.of_value("cat", &case.category)),
        (w.get("desk_place"), case.place.clone()),
        (w.get("desk_received"), case.received.to_string()),
    ];
    if let Some(office) = &case.office {
        rows.push((w.get("desk_office"), office.clone()));
    }
    if let Some(due) = case.due {
        let overdue = if case.overdue {
            format!(" ({})", w.get("desk_overdue"))
        } else {
            String::new()
        };
        rows.push((w.get("desk_due"), format!("{due}{overdue}")));
    }
    let reporter = match &case.reporter {
        Some((name, phone)) => [name.as_deref(), phone.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        None => w.get("desk_reporter_withheld"),
    };
    rows.push((w.get("desk_reporter"), reporter));
    let list: String = rows
        .iter()
        .map(|(k, v)| format!("<dt>{}</dt><dd>{}</dd>", esc(k), esc(v)))
        .collect();
    let narrative = match &case.narrative {
        Some(text) => format!("<blockquote id=\"narrative\">{}</blockquote>", esc(text)),
        None => format!(
            "<p class=\"hint\">{}</p>",
            esc(&w.get("desk_narrative_withheld"))
        ),
    };
    let entries: String = case
        .entries
        .iter()
        .map(|e| {
            let what = w.fill(&format!("desk_entry_{}", e.kind), &[("text", &e.text)]);
            let detail = if matches!(e.kind, "forwarded" | "escalated") {
                String::new()
            } else {
                format!(": {}", e.text)
            };
            let by = e
                .officer
                .as_ref()
                .map(|n| format!(" — {}", w.fill("desk_by", &[("name", n)])))
                .unwrap_or_default();
            let day = citizens_core::clock::Timestamp::from_millis(e.at).date();
            format!(
                "<li class=\"entry-{kind}\"><span class=\"hint\">{day}{by}</span><br>{what}{detail}</li>",
                kind = e.kind,
                by = esc(&by),
                what = esc(&what),
                detail = esc(if e.text.is_empty() { "" } else { &detail }),
            )
        })
        .collect();
    let (said_html, action, typed) = match said {
        Some(Said::Done) => (
            format!(
                "<p class=\"safe\" role=\"status\" id=\"done\">{}</p>",
                esc(&w.get("desk_done"))
            ),
            "",
            "",
        ),
        Some(Said::Refused(action, typed, why)) => (
            problem(Some(&w.get(&format!("desk_unanswerable_{}", why.as_str())))),
            action,
            typed,
        ),
        None => (String::new(), "", ""),
    };
    let kept = |a: &str| if a == action { typed } else { "" };
    let text_box = |a: &str, label: &str, hint: Option<&str>| {
        format!(
            "<label for=\"{a}-text\">{label}</label>{hint}\
             <textarea id=\"{a}-text\" name=\"text\" rows=\"3\" maxlength=\"{MAX_ANSWER}\">{typed}</textarea>",
            label = esc(label),
            hint = hint
                .map(|h| format!("<p class=\"hint\">{}</p>", esc(h)))
                .unwrap_or_default(),
            typed = esc(kept(a)),
        )
    };
    let action_form = |a: &str, title: &str, inner: String| {
        format!(
            "<details{open}><summary>{title}</summary>\
             <form method=\"post\" action=\"/desk/case/{id}\" id=\"{a}\" accept-charset=\"utf-8\">\
             <input type=\"hidden\" name=\"form\" value=\"{form}\">\
             <input type=\"hidden\" name=\"action\" value=\"{a}\">{inner}\
             <button type=\"submit\">{send}</button></form></details>",
            open = if a == action { " open" } else { "" },
            title = esc(title),
            id = case.id,
            form = esc(form),
            send = esc(&w.get("desk_send")),
        )
    };
    let mut forms = String::new();
    if !case.acknowledged {
        forms.push_str(&action_form(
            "acknowledge",
            &w.get("desk_act_acknowledge"),
            format!(
                "<label for=\"acknowledge-reference\">{}</label>\
                 <input id=\"acknowledge-reference\" name=\"reference\" maxlength=\"100\">",
                esc(&w.get("desk_act_reference"))
            ),
        ));
    }
    forms.push_str(&action_form(
        "reply",
        &w.get("desk_act_reply"),
        text_box("reply", &w.get("desk_act_text"), None),
    ));
    forms.push_str(&action_form(
        "ask",
        &w.get("desk_act_ask"),
        text_box(
            "ask",
            &w.get("desk_act_text"),
            Some(&w.get("desk_act_ask_hint")),
        ),
    ));
    forms.push_str(&action_form(
        "resolve",
        &w.get("desk_act_resolve"),
        text_box("resolve", &w.get("desk_act_text"), None),
    ));
    forms.push_str(&action_form(
        "decline",
        &w.get("desk_act_decline"),
        format!(
            "{}<label for=\"decline-suggested\">{}</label>\
             <input id=\"decline-suggested\" name=\"suggested\" maxlength=\"100\">",
            text_box("decline", &w.get("desk_act_text"), None),
            esc(&w.get("desk_act_suggested"))
        ),
    ));
    let title = w.fill("desk_case_title", &[("reference", &case.reference)]);
    let body = format!(
        "<p><a href=\"/desk/cases\">{back}</a></p><h1>{title_html}</h1>\
         <p id=\"case-title\"><b>{case_title}</b></p>{said_html}\
         <dl class=\"receipt\" id=\"case\">{list}</dl>\
         <h2>{narrative_title}</h2>{narrative}\
         <h2>{history}</h2><ol id=\"entries\" class=\"entries\">{entries}</ol>\
         <h2>{answer_title}</h2>{forms}",
        back = esc(&w.get("desk_back")),
        title_html = esc(&title),
        case_title = esc(&case.title),
        narrative_title = esc(&w.get("desk_narrative")),
        history = esc(&w.get("desk_history")),
        answer_title = esc(&w.get("desk_answer_title")),
    );
    page(
        w,
        &title,
        &format!("/desk/case/{}", case.id),
        Some((officer, form)),
        &body,
    )
}

/// A page saying only `message`.
pub fn message(w: &Words, title_key: &str, message: &str) -> String {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/desk\">{}</a></p>",
        esc(&w.get(title_key)),
        esc(message),
        esc(&w.get("desk_back"))
    );
    page(w, &w.get(title_key), "/desk", None, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_sentence_of_the_desk() {
        citizens_words::check_complete(&OWN).expect("the desk's catalogues are complete");
        let en = with_desk(crate::public::pages::words("en"));
        for why in Refused::ALL {
            let key = format!("desk_refused_{}", why.as_str());
            assert_ne!(en.get(&key), key);
        }
        for why in Unanswerable::ALL {
            let key = format!("desk_unanswerable_{}", why.as_str());
            assert_ne!(en.get(&key), key);
        }
        for q in Queue::ALL {
            let key = format!("desk_queue_{}", q.as_str());
            assert_ne!(en.get(&key), key);
        }
    }
}
