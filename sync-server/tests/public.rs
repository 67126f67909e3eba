//! The public face, end to end on a real server process: a citizen reports on the web page,
//! gets a receipt and tracks it; SMS and WhatsApp webhooks in each provider's real format,
//! resent many times, signed well and badly; the cases reach a coordinator's laptop by sync;
//! the abuse limits hold; nothing a citizen sent in confidence is in any public answer or in
//! the server's files.

#[macro_use]
mod common;

use citizens_core::grievance::Intake;
use citizens_server_core::webhooks::{twilio_signature, whatsapp_signature};
use citizens_test_support::citizen::{self, post_form, receipt};
use common::*;

/// The config of a server taking the public's reports for the test organisation.
fn public_config(extra: &str) -> String {
    format!(
        "public_org = \"{ORG}\"\npublic_name = \"Kano Civic Forum\"\npublic_url = \"https://citizens.example.org\"\n\
         public_home_state = \"Kano\"\npublic_home_lga = \"Nasarawa\"\n\
         twilio_auth_token = \"twilio-test-token\"\nafricastalking_key = \"at-callback-key-0123456789\"\n\
         whatsapp_verify_token = \"verify-me\"\nwhatsapp_app_secret = \"wa-app-secret\"\n{fill}{extra}",
        fill = if extra.contains("min_fill_secs") { "" } else { "min_fill_secs = 0\n" }
    )
}

fn start(backend: Backend, extra: &str) -> Server {
    Server::start_configured(
        env!("CARGO_BIN_EXE_citizens-server"),
        backend,
        &public_config(extra),
    )
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Status, headers and text of a GET.
fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = http().get(url).send().expect("server answers");
    (
        r.status().as_u16(),
        r.headers().clone(),
        r.text().expect("text"),
    )
}

/// A request carrying `fields` as a form.
fn form<T: serde::Serialize + ?Sized>(
    request: reqwest::blocking::RequestBuilder,
    fields: &T,
) -> reqwest::blocking::RequestBuilder {
    request
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(fields).expect("form"))
}

/// A fresh report form's token.
fn form_token(server: &Server) -> String {
    citizen::form_token(&server.url, "KN")
}

const NARRATIVE: &str = "The officer at the passport office on Zaria Road asked for 20,000 naira \
                         before he would take my form. PLANTED-NARRATIVE-7731";
const NAME: &str = "Hadiza Planted-Musa";
const PHONE: &str = "0803 555 7731";

fn report_fields(token: &str) -> Vec<(&str, &str)> {
    vec![
        ("token", token),
        ("state", "KN"),
        ("kind", "corruption_report"),
        ("category", "passports"),
        ("lga", "Nasarawa"),
        ("narrative", NARRATIVE),
        ("name", NAME),
        ("phone", PHONE),
        ("consent", "yes"),
        ("website", ""),
    ]
}

on_each_backend! {
    fn a_web_report_reaches_a_coordinator_by_sync_and_its_receipt_tracks_it(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");

        let token = form_token(&server);
        let (status, html) = post_form(&format!("{}/report", server.url), &report_fields(&token));
        assert_eq!(status, 200, "{html}");
        let (reference, pin) = receipt(&html);
        assert!(reference.starts_with("KN-"), "{reference}");
        assert_eq!(pin.len(), 8);
        // The same form sent again (a double tap, a resend after a lost answer): one case,
        // and the answer says so without the receipt.
        let (status, again) = post_form(&format!("{}/report", server.url), &report_fields(&token));
        assert_eq!(status, 200);
        assert!(again.contains("This report was already sent"), "{again}");

        coordinator.sync();
        assert_eq!(coordinator.references(), vec![reference.clone()]);
        let case = coordinator.client.open_case(&reference).expect("case").grievance;
        assert_eq!(case.intake, Some(Intake::Web));
        assert_eq!(case.kind.as_str(), "corruption_report");
        assert_eq!((case.place.state.as_str(), case.place.lga.as_str()), ("KN", "Nasarawa"));
        assert_eq!(case.narrative, NARRATIVE);
        assert_eq!((case.reporter.name.as_deref(), case.reporter.phone.as_deref()), (None, None));
        assert!(case.reporter.sealed.is_some());
        assert_eq!(case.status().current.as_str(), "new");
        // Only the organisation's secret opens the identity.
        let opened = coordinator.client.reveal_identity(&reference).expect("open");
        assert_eq!((opened.name.as_deref(), opened.phone.as_deref()), (Some(NAME), Some("+2348035557731")));

        // Track: where it stands, never what it says or who sent it.
        let (status, tracked) = post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference.to_lowercase()), ("pin", &pin.to_lowercase())],
        );
        assert_eq!(status, 200);
        assert!(tracked.contains("id=\"tracked\""), "{tracked}");
        assert!(tracked.contains("<dd>New</dd>"), "{tracked}");
        assert!(tracked.contains("Not chosen yet"));
        for secret in [NARRATIVE, "PLANTED", NAME, "7731", "Zaria"] {
            assert!(!tracked.contains(secret), "tracking shows {secret}");
        }

        // A wrong PIN and an unknown reference answer alike.
        let wrong = |reference: &str, pin: &str| {
            let (status, html) =
                post_form(&format!("{}/track", server.url), &[("reference", reference), ("pin", pin)]);
            (status, html.replace(reference, "REF"))
        };
        let mut other_pin = pin.clone().into_bytes();
        other_pin[0] = if other_pin[0] == b'A' { b'B' } else { b'A' };
        let wrong_pin = wrong(&reference, &String::from_utf8(other_pin).expect("ascii"));
        let unknown = wrong("KN-ZZZ-9999", &pin);
        assert_eq!(wrong_pin, unknown);
        assert_eq!(wrong_pin.0, 200);
        assert!(wrong_pin.1.contains("We found no report with that reference and PIN."));

        // It waits in the coordinator's triage queue; accepting it shows on the tracking page.
        let triage = coordinator.client.home().expect("home").triage;
        assert_eq!(triage.rows.iter().map(|r| r.reference.as_str()).collect::<Vec<_>>(), vec![reference.as_str()]);
        let view = coordinator.client.open_case(&reference).expect("case");
        assert_eq!((view.row.intake.as_deref(), view.row.awaiting_triage), (Some("web"), true));
        let accepted = coordinator.client.accept_intake(&reference).expect("accept");
        assert_eq!((accepted.row.status.as_str(), accepted.row.awaiting_triage), ("triaged", false));
        assert_eq!(coordinator.client.home().expect("home").triage.total, 0);
        let again = coordinator.client.accept_intake(&reference).expect_err("only once");
        assert_eq!(again.to_string(), format!("triage: {reference} is not waiting in the triage queue (only the public's new reports are)"));
        coordinator.sync();
        let (_, tracked) = post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        );
        assert!(tracked.contains("<dd>Triaged</dd>"), "{tracked}");
    }
}

on_each_backend! {
    /// Issue 28: the citizen adds what they forgot from the track page, with the whole receipt;
    /// it reaches the coordinator's laptop as the public intake's note, the identity still
    /// sealed.
    fn a_citizen_adds_to_their_report_from_the_track_page_and_the_laptop_reads_it(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let token = form_token(&server);
        let (_, html) = post_form(&format!("{}/report", server.url), &report_fields(&token));
        let (reference, pin) = receipt(&html);
        let add = |pin: &str, text: &str| {
            post_form(
                &format!("{}/track/add", server.url),
                &[("reference", reference.as_str()), ("pin", pin), ("text", text)],
            )
        };
        // The tracked page offers the box, carrying the receipt.
        let (_, tracked) = post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        );
        assert!(tracked.contains("action=\"/track/add\""), "{tracked}");
        assert!(tracked.contains(&format!("name=\"pin\" value=\"{pin}\"")));

        let (status, added) = add(&pin, "He sits in room 4. <b>Tuesdays</b>");
        assert_eq!(status, 200, "{added}");
        assert!(added.contains("id=\"added\""), "{added}");
        assert!(added.contains("id=\"tracked\""));
        assert!(!added.contains("Tuesdays"), "the page does not echo what was added");

        // Refused words are kept in the box, as text, with what is wrong; nothing is added.
        let (status, refused) = add(&pin, "<i>bell</i>\u{7}");
        assert_eq!(status, 400);
        assert!(refused.contains("id=\"add-problem\""), "{refused}");
        assert!(refused.contains("&lt;i&gt;bell&lt;/i&gt;"), "{refused}");
        assert!(!refused.contains("<i>bell"));
        // A wrong PIN is "not found", whatever the words.
        let mut other = pin.clone().into_bytes();
        other[0] = if other[0] == b'A' { b'B' } else { b'A' };
        let other = String::from_utf8(other).expect("ascii");
        for text in ["More", ""] {
            let (status, html) = add(&other, text);
            assert_eq!(status, 200);
            assert!(html.contains("We found no report with that reference and PIN."), "{html}");
        }
        // A form posted from another site is refused.
        let foreign = http()
            .post(format!("{}/track/add", server.url))
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                serde_urlencoded::to_string([("reference", &reference), ("pin", &pin), ("text", &"Sent from elsewhere".to_string())])
                    .expect("form"),
            )
            .send()
            .expect("answered");
        assert_eq!(foreign.status().as_u16(), 403);

        coordinator.sync();
        let view = coordinator.client.open_case(&reference).expect("case");
        let notes: Vec<(&str, &str)> = view
            .timeline
            .iter()
            .filter(|e| e.kind == "note")
            .map(|e| (e.user.as_str(), e.params.get("text").map(String::as_str).unwrap_or("")))
            .collect();
        assert_eq!(
            notes,
            [(
                citizens_server_core::intake::INTAKE_PERSON,
                "Follow-up by web: He sits in room 4. <b>Tuesdays</b>"
            )]
        );
        assert_eq!(
            (view.grievance.reporter.name.as_deref(), view.grievance.reporter.phone.as_deref()),
            (None, None),
            "the identity stays sealed"
        );
        assert!(view.grievance.reporter.sealed.is_some());

        // The coordinator asks; the reporter reads the question (never who asked) with the
        // receipt, and answers in the same box.
        coordinator
            .client
            .ask_reporter(&reference, "Which day <b>exactly</b>?")
            .expect("asked");
        coordinator.sync();
        let (_, tracked) = post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        );
        assert!(
            tracked.contains("<ol id=\"questions\"><li>Which day &lt;b&gt;exactly&lt;/b&gt;?</li></ol>"),
            "{tracked}"
        );
        assert!(!tracked.contains("Amina Yusuf"), "never who asked");
        let (status, _) = add(&pin, "Tuesday the 3rd, in the morning.");
        assert_eq!(status, 200);
        coordinator.sync();
        // Sorted: the laptop's clock here is the test's, the server's is real time.
        let mut kinds: Vec<(String, String)> = coordinator
            .client
            .open_case(&reference)
            .expect("case")
            .timeline
            .iter()
            .map(|e| (e.kind.to_string(), e.params.get("text").cloned().unwrap_or_default()))
            .filter(|(kind, _)| kind != "status")
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            [
                ("note".to_string(), "Follow-up by web: He sits in room 4. <b>Tuesdays</b>".to_string()),
                ("note".to_string(), "Follow-up by web: Tuesday the 3rd, in the morning.".to_string()),
                ("question_for_reporter".to_string(), "Which day <b>exactly</b>?".to_string()),
            ]
        );
    }
}

#[test]
fn the_form_says_what_is_wrong_in_the_citizens_language_and_keeps_what_they_typed() {
    let server = start(Backend::Sqlite, "");
    let _coordinator = Device::coordinator(&server, "Amina Yusuf");
    let token = form_token(&server);
    let (status, html) = post_form(
        &format!("{}/report?lang=ha", server.url),
        &[
            ("token", &token),
            ("state", "KN"),
            ("kind", "complaint"),
            ("category", "nonsense"),
            ("lga", "Ikeja"),
            ("narrative", "Ruwa ba ya zuwa <b>unguwarmu</b>"),
            ("phone", "12345"),
            ("website", ""),
        ],
    );
    assert_eq!(status, 400);
    let words = citizens_server::pages::words("ha");
    for key in [
        "problem_category",
        "problem_lga",
        "problem_phone",
        "problem_consent",
    ] {
        let said = citizens_server::pages::esc(&words.get(key));
        assert!(html.contains(&said), "{key} ({said}) missing");
    }
    assert!(html.contains("Ruwa ba ya zuwa &lt;b&gt;unguwarmu&lt;/b&gt;</textarea>"));
    assert!(html.contains("value=\"12345\""));
    assert!(html.starts_with("<!doctype html><html lang=\"ha\">"));
}

#[test]
fn bots_are_refused_without_a_captcha_and_every_page_is_small_and_locked_down() {
    let server = start(Backend::Sqlite, "");
    let _coordinator = Device::coordinator(&server, "Amina Yusuf");
    let report = format!("{}/report", server.url);

    // No token, a forged one, the honeypot filled, another site's form: nothing is filed.
    let mut fields = report_fields("not-a-token");
    let (status, html) = post_form(&report, &fields);
    assert_eq!(status, 400);
    assert!(html.contains("This form was open for too long."), "{html}");
    let token = form_token(&server);
    fields = report_fields(&token);
    fields.retain(|(k, _)| *k != "website");
    fields.push(("website", "http://spam.example"));
    assert_eq!(post_form(&report, &fields).0, 403);
    let r = form(
        http()
            .post(&report)
            .header("origin", "https://evil.example"),
        &report_fields(&token),
    )
    .send()
    .expect("answer");
    assert_eq!(r.status().as_u16(), 403);

    let r = form(
        http().post(&report).header("sec-fetch-site", "cross-site"),
        &report_fields(&form_token(&server)),
    )
    .send()
    .expect("answer");
    assert_eq!(r.status().as_u16(), 403);
    let r = form(
        http()
            .post(&report)
            .header("origin", "https://citizens.example.org"),
        &report_fields(&form_token(&server)),
    )
    .send()
    .expect("answer");
    assert_eq!(r.status().as_u16(), 200, "the public address is ours");

    // A person takes longer than the minimum time to fill the form.
    let slow = start(Backend::Sqlite, "min_fill_secs = 30");
    let _c = Device::coordinator(&slow, "Amina Yusuf");
    let token = form_token(&slow);
    let (status, html) = post_form(&format!("{}/report", slow.url), &report_fields(&token));
    assert_eq!(status, 400);
    assert!(html.contains("That was sent very quickly."), "{html}");
    assert!(html.contains(NARRATIVE), "what was typed is kept");

    let mut coordinator =
        Device::coordinator_with_key(&server, "Musa Danjuma", &_coordinator.key());
    coordinator.sync();
    assert_eq!(coordinator.references().len(), 1);

    for (path, limit) in [
        ("/", 50_000),
        ("/report", 50_000),
        ("/report?state=KN", 50_000),
        ("/track", 50_000),
        ("/rights", 50_000),
        ("/rights/agency/NIS", 50_000),
        ("/rights/article/bail-is-free?lang=yo", 50_000),
    ] {
        let (status, headers, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 200, "{path}");
        let css = get(&format!("{}/public.css", server.url)).2;
        assert!(
            body.len() + css.len() <= limit,
            "{path}: {} bytes",
            body.len() + css.len()
        );
        assert_eq!(
            headers["content-security-policy"],
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        );
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(!body.contains("<script"), "{path} has a script");
        assert!(
            !body.contains("src=") && body.matches("<link ").count() == 1,
            "{path} loads something besides our style sheet"
        );
    }
}

#[test]
fn one_address_files_at_most_its_hourly_limit_of_a_thousand_tries() {
    let server = start(Backend::Sqlite, "reports_per_hour = 10");
    let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
    let mut statuses = std::collections::BTreeMap::new();
    let mut refused = String::new();
    for _ in 0..1_000 {
        let token = form_token(&server);
        let (status, html) = post_form(&format!("{}/report", server.url), &report_fields(&token));
        *statuses.entry(status).or_insert(0) += 1;
        if status == 429 {
            refused = html;
        }
    }
    // Refused, the form comes back with the reason and everything typed.
    assert!(
        refused.contains("Too many tries have come from here this hour."),
        "{refused}"
    );
    assert!(refused.contains(NARRATIVE));
    assert_eq!(statuses, [(200, 10), (429, 990)].into_iter().collect());
    coordinator.sync();
    assert_eq!(coordinator.references().len(), 10);
}

/// A Twilio webhook's fields for a message.
fn twilio_fields(sid: &str, from: &str, body: &str) -> Vec<(String, String)> {
    [
        ("ToCountry", "NG"),
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("SmsSid", sid),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", "+2342010000000"),
        ("NumSegments", "1"),
        ("MessageSid", sid),
        ("AccountSid", "AC00000000000000000000000000000000"),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
        ("FromCountry", "NG"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A TwiML answer with no reply.
const EMPTY_TWIML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

fn post_twilio(server: &Server, fields: &[(String, String)], token: &str) -> (u16, String) {
    let signature = twilio_signature(token, "https://citizens.example.org/sms/twilio", fields);
    let r = form(
        http()
            .post(format!("{}/sms/twilio", server.url))
            .header("x-twilio-signature", signature),
        fields,
    )
    .send()
    .expect("answer");
    (r.status().as_u16(), r.text().expect("text"))
}

on_each_backend! {
    fn messages_resent_any_number_of_times_make_one_case_and_follow_ups_join_it(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let text = "NEPA has cut our light in Fagge Kano for two weeks and the officer wants 5000 PLANTED-SMS-4411";
        let fields = twilio_fields("SM11111111111111111111111111111111", "+2348065554411", text);

        // A bad signature is refused, nothing stored.
        assert_eq!(post_twilio(&server, &fields, "wrong-token").0, 403);
        // Twilio retrying one message fifty times: the receipt is in the first answer only.
        let mut replies = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let (status, reply) = post_twilio(&server, &fields, "twilio-test-token");
            assert_eq!(status, 200);
            replies.insert(reply);
        }
        assert_eq!(replies.len(), 2, "{replies:?}");
        assert!(replies.contains(EMPTY_TWIML), "{replies:?}");
        let reply = replies.into_iter().find(|r| r != EMPTY_TWIML).expect("reply");
        assert!(reply.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Thank you, we have your report. Reference KN-"), "{reply}");

        // A follow-up from the same phone within the day joins the case.
        let follow = twilio_fields("SM22222222222222222222222222222222", "+2348065554411", "It is still off today");
        let (status, joined) = post_twilio(&server, &follow, "twilio-test-token");
        assert_eq!(status, 200);
        assert!(joined.contains("we added your message to report KN-"), "{joined}");

        // Africa's Talking: its key in the address; a resend is one case.
        let at = [
            ("from", "+2348025550001"),
            ("to", "32811"),
            ("text", "Water board in Lagos Ikeja has not supplied water for a month"),
            ("date", "2026-12-04T06:04:45Z"),
            ("id", "ATXid_0f6a1f24b6c0d5a3c7e2e4f3a1b2c3d4"),
            ("linkId", "SampleLinkId123"),
        ];
        let at_url = format!("{}/sms/africastalking?key=at-callback-key-0123456789", server.url);
        assert_eq!(post_form(&format!("{}/sms/africastalking?key=guess", server.url), &at).0, 403);
        for _ in 0..20 {
            assert_eq!(post_form(&at_url, &at).0, 200);
        }
        // A delivery report is not a message.
        assert_eq!(post_form(&at_url, &[("id", "ATXid_x"), ("status", "Success"), ("from", "+2348025550001")]).0, 200);

        // WhatsApp: the handshake, then a signed message resent.
        let (status, _, challenge) = get(&format!(
            "{}/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444",
            server.url
        ));
        assert_eq!((status, challenge.as_str()), (200, "1158201444"));
        assert_eq!(get(&format!("{}/whatsapp?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1", server.url)).0, 403);
        let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Planted Wa Name"},"wa_id":"2348095550002"}],"messages":[{"from":"2348095550002","id":"wamid.HBgLMjM0ODA5NTU1MDAwMhUCABIYFjNFQjBDMEQ3MEQ3QjQ2RjI2OTMzAA==","timestamp":"1764828000","text":{"body":"Police at the Enugu checkpoint collect 200 naira from every bus"},"type":"text"}]},"field":"messages"}]}]}"#;
        let post_wa = |signature: &str| {
            http()
                .post(format!("{}/whatsapp", server.url))
                .header("x-hub-signature-256", signature)
                .header("content-type", "application/json")
                .body(body.to_vec())
                .send()
                .expect("answer")
                .status()
                .as_u16()
        };
        assert_eq!(post_wa("sha256=00"), 403);
        for _ in 0..10 {
            assert_eq!(post_wa(&whatsapp_signature("wa-app-secret", body)), 200);
        }

        coordinator.sync();
        let refs = coordinator.references();
        assert_eq!(refs.len(), 3, "{refs:?}");
        let cases: Vec<_> = refs
            .iter()
            .map(|r| coordinator.client.open_case(r).expect("case").grievance)
            .collect();
        let by_intake = |i: Intake| cases.iter().filter(|c| c.intake == Some(i)).collect::<Vec<_>>();
        let sms = by_intake(Intake::Sms);
        assert_eq!(sms.len(), 2);
        let twilio = sms.iter().find(|c| c.narrative == text).expect("the Twilio case");
        assert_eq!((twilio.place.state.as_str(), twilio.place.lga.as_str()), ("KN", "Fagge"));
        assert_eq!(twilio.notes().collect::<Vec<_>>(), vec!["Follow-up by sms: It is still off today"]);
        assert!(twilio.reporter.sealed.is_some() && twilio.reporter.phone.is_none());
        let at_case = sms.iter().find(|c| c.narrative.starts_with("Water board")).expect("AT case");
        assert_eq!((at_case.place.state.as_str(), at_case.place.lga.as_str()), ("LA", "Ikeja"));
        // Rejected as abuse: kept, out of the queue.
        let rejected = coordinator
            .client
            .reject_intake(&at_case.reference, citizens_client::Rejection::Abuse)
            .expect("reject");
        assert_eq!(rejected.row.status, "not_actionable");
        assert_eq!(coordinator.client.home().expect("home").triage.total, 2);
        let wa = by_intake(Intake::WhatsApp);
        assert_eq!(wa.len(), 1);
        assert_eq!(wa[0].channel.as_str(), "social_media");
        assert_eq!(wa[0].place.state, "EN");

        // The same phone writes again the same day: its case was rejected, so this is a new
        // report in the queue, not a note on a closed case.
        coordinator.sync();
        let later = [
            ("from", "+2348025550001"),
            ("to", "32811"),
            ("text", "Now the pipes in Ikeja are leaking on the road"),
            ("date", "2026-12-04T09:00:00Z"),
            ("id", "ATXid_second"),
        ];
        assert_eq!(post_form(&at_url, &later).0, 200);
        coordinator.sync();
        assert_eq!(coordinator.references().len(), 4);
        assert_eq!(coordinator.client.home().expect("home").triage.total, 3);
    }
}

/// The reply an SMS or WhatsApp sender gets goes by the provider's send API, once per message
/// however often the provider resends it, and its reference and PIN open the case's tracking.
#[test]
fn sms_and_whatsapp_senders_get_their_reference_and_pin_once_through_the_providers_send_apis() {
    use citizens_test_support::provider::Provider;
    let at = Provider::start(
        201,
        r#"{"SMSMessageData":{"Message":"Sent to 1/1 Total Cost: NGN 2.2000","Recipients":[{"statusCode":101,"number":"+2348025550001","status":"Success","cost":"NGN 2.2000","messageId":"ATXid_1"}]}}"#,
    );
    let wa = Provider::start(
        200,
        r#"{"messaging_product":"whatsapp","contacts":[{"input":"2348095550002","wa_id":"2348095550002"}],"messages":[{"id":"wamid.reply"}]}"#,
    );
    let server = start(
        Backend::Sqlite,
        &format!(
            "[africastalking_send]\nusername = \"kanocivic\"\napi_key = \"at-api-key-0123\"\nfrom = \"32811\"\n\
             url = \"{}/version1/messaging\"\n[whatsapp_send]\naccess_token = \"wa-access-token\"\n\
             phone_number_id = \"106540352242922\"\nurl = \"{}/v21.0\"\n",
            at.url, wa.url
        ),
    );
    let _coordinator = Device::coordinator(&server, "Amina Yusuf");
    let at_url = format!(
        "{}/sms/africastalking?key=at-callback-key-0123456789",
        server.url
    );
    let message = [
        ("from", "+2348025550001"),
        ("to", "32811"),
        (
            "text",
            "Water board in Lagos Ikeja has not supplied water for a month",
        ),
        ("date", "2026-12-04T06:04:45Z"),
        ("id", "ATXid_0f6a1f24b6c0d5a3c7e2e4f3a1b2c3d4"),
    ];
    for _ in 0..5 {
        assert_eq!(post_form(&at_url, &message).0, 200);
    }
    let sent = at.next();
    assert_eq!(sent.line, "POST /version1/messaging HTTP/1.1");
    assert_eq!(sent.header("apikey"), Some("at-api-key-0123"));
    assert_eq!(sent.header("accept"), Some("application/json"));
    let form: std::collections::BTreeMap<String, String> =
        serde_urlencoded::from_str(&sent.body).expect("a form");
    assert_eq!(form["username"], "kanocivic");
    assert_eq!(form["to"], "+2348025550001");
    assert_eq!(form["from"], "32811");
    let text = &form["message"];
    let reference = between(text, "Reference ", ",");
    let pin = between(text, "PIN ", ".");
    assert!(reference.starts_with("LA-"), "{text}");
    assert!(
        text.ends_with(
            "follow it at https://citizens.example.org/track We will text you when it moves; reply STOP for no more."
        ),
        "{text}"
    );
    let tracked = post_form(
        &format!("{}/track", server.url),
        &[("reference", reference), ("pin", pin)],
    )
    .1;
    assert!(tracked.contains("id=\"tracked\""), "{tracked}");
    // A follow-up: the next reply says it joined; the resends above made none.
    let follow = [
        ("from", "+2348025550001"),
        ("to", "32811"),
        ("text", "Still no water in Ikeja"),
        ("date", "2026-12-04T07:00:00Z"),
        ("id", "ATXid_second"),
    ];
    assert_eq!(post_form(&at_url, &follow).0, 200);
    let sent = at.next();
    let form: std::collections::BTreeMap<String, String> =
        serde_urlencoded::from_str(&sent.body).expect("a form");
    assert_eq!(
        form["message"],
        format!("Thank you, we added your message to report {reference}.")
    );

    // WhatsApp: the Cloud API's messages call, to the sender's WhatsApp id.
    let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Planted Wa Name"},"wa_id":"2348095550002"}],"messages":[{"from":"2348095550002","id":"wamid.HBgLMjM0ODA5NTU1MDAwMhUCABIYFjNFQjBDMEQ3MEQ3QjQ2RjI2OTMzAA==","timestamp":"1764828000","text":{"body":"Police at the Enugu checkpoint collect 200 naira from every bus"},"type":"text"}]},"field":"messages"}]}]}"#;
    for _ in 0..3 {
        let status = http()
            .post(format!("{}/whatsapp", server.url))
            .header(
                "x-hub-signature-256",
                whatsapp_signature("wa-app-secret", body),
            )
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .expect("answer")
            .status();
        assert_eq!(status, 200);
    }
    let sent = wa.next();
    assert_eq!(sent.line, "POST /v21.0/106540352242922/messages HTTP/1.1");
    assert_eq!(sent.header("authorization"), Some("Bearer wa-access-token"));
    let json: serde_json::Value = serde_json::from_str(&sent.body).expect("json");
    assert_eq!(json["messaging_product"], "whatsapp");
    assert_eq!(json["to"], "2348095550002");
    assert_eq!(json["type"], "text");
    let text = json["text"]["body"].as_str().expect("text");
    assert!(
        text.starts_with("Thank you, we have your report. Reference EN-"),
        "{text}"
    );
    // The next reply is the next message's, not the first one's again.
    let again = String::from_utf8_lossy(body)
        .replace(
            "wamid.HBgLMjM0ODA5NTU1MDAwMhUCABIYFjNFQjBDMEQ3MEQ3QjQ2RjI2OTMzAA==",
            "wamid.second",
        )
        .replace(
            "collect 200 naira from every bus",
            "took 500 naira from me today",
        )
        .into_bytes();
    let status = http()
        .post(format!("{}/whatsapp", server.url))
        .header(
            "x-hub-signature-256",
            whatsapp_signature("wa-app-secret", &again),
        )
        .header("content-type", "application/json")
        .body(again.clone())
        .send()
        .expect("answer")
        .status();
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&wa.next().body).expect("json");
    let text = json["text"]["body"].as_str().expect("text");
    assert!(
        text.starts_with("Thank you, we added your message to report EN-"),
        "{text}"
    );
    // The log holds neither number nor a PIN.
    let log = server.log();
    for secret in [
        "2348025550001",
        "2348095550002",
        pin,
        "at-api-key-0123",
        "wa-access-token",
    ] {
        assert!(!log.contains(secret), "the log holds {secret}");
    }
    assert!(
        at.so_far().is_empty() && wa.so_far().is_empty(),
        "one reply per message"
    );
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).expect("start") + start.len();
    let to = from + text[from..].find(end).expect("end");
    &text[from..to]
}

on_each_backend! {
    fn a_coordinators_figures_reach_the_transparency_page_and_its_open_data(backend) {
        use citizens_core::figures::Published;
        use citizens_protocol::{decode, encode, ErrorBody, ErrorCode, CONTENT_TYPE, FIGURES_PATH};
        use citizens_test_support::disclosure::{audit, Method};
        use citizens_test_support::worked;
        use rand::SeedableRng;

        let server = start(backend, "");
        let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
        let mut coordinator = Device::founder("Amina Yusuf", clock.clone());
        let code = server.code("coordinator", "Amina Yusuf", &coordinator.key());
        coordinator
            .client
            .enroll(&server.url, &code, citizens_test_support::device::fast())
            .expect("enrol");
        let (status, _, html) = get(&format!("{}/figures?lang=en", server.url));
        assert_eq!(status, 200);
        assert!(html.contains("Kano Civic Forum has not published any figures yet."), "{html}");
        assert_eq!(get(&format!("{}/figures.json", server.url)).0, 404);

        // A citizen's report still in the triage queue is not counted; the organisation's 7
        // cases are: 6 sent to the police, 5 of them resolved the same day.
        let token = form_token(&server);
        assert_eq!(post_form(&format!("{}/report", server.url), &report_fields(&token)).0, 200);
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let mut references = Vec::new();
        for _ in 0..7 {
            let input = citizens_test_support::grievance(&mut rng);
            references.push(coordinator.client.capture(&input).expect("capture").reference);
        }
        for reference in &references[..6] {
            assert!(worked::forward(&mut coordinator.client, reference, "NPF", None));
        }
        for reference in &references[..5] {
            worked::resolve(&mut coordinator.client, reference);
        }
        assert!(coordinator.sync().figures_published);
        let published = coordinator.client.sync_status().expect("status").figures_published;
        assert!(published.is_some(), "the Sync screen says when");
        assert!(!coordinator.sync().figures_published, "the same figures are not sent again");
        assert_eq!(coordinator.client.sync_status().expect("status").figures_published, published);

        // What was published is rounded: each count a multiple of 5 within 4 of the truth,
        // the total the sum of the categories; the median (5 resolved) is withheld.
        let figures = coordinator.client.public_figures().expect("figures");
        let shown = |p: Published<u32>| p.0.map_or_else(|| "fewer than 5".to_string(), |n| n.to_string());
        let sum: u32 = figures.categories.iter().filter_map(|c| c.cases.0).sum();
        assert_eq!(figures.cases.0.unwrap_or(0), sum);
        let npf = figures.agencies.iter().find(|a| a.short_name == "NPF");
        let (received, resolved) = match npf {
            Some(npf) => (npf.received, npf.resolved),
            None => (Published(None), Published(None)),
        };
        assert!(received.0.is_some_and(|n| n == 5 || n == 10), "6 reads 5 or 10: {received:?}");
        assert_eq!(resolved, Published(Some(5)), "5 reads 5 whatever the offset");
        assert_eq!(npf.map(|a| a.median_days_to_resolve), Some(Published(None)));

        let (status, headers, html) = get(&format!("{}/figures?lang=en", server.url));
        assert_eq!(status, 200);
        assert_eq!(headers["content-security-policy"], citizens_server::pages::CSP);
        assert!(html.contains(&format!("over about {} cases it took on", shown(figures.cases))), "{html}");
        let row = html
            .split("<tr>")
            .find(|r| r.contains("/rights/agency/NPF"))
            .expect("the police are listed");
        assert!(
            row.contains(&format!("<td class=\"n\" data-label=\"Received\">{}</td>", shown(received))),
            "{row}"
        );
        assert!(html.contains("rounded to a multiple of 5"), "the method is said");
        assert_eq!(html.matches("/rights/agency/").count(), 1, "only agencies whose count rounds to 5 or more");
        assert_eq!(html.matches("<svg").count(), 3);
        let (_, _, hausa) = get(&format!("{}/figures?lang=ha", server.url));
        assert!(hausa.contains("ninkin 5") && hausa.contains("Alƙaluma"), "{hausa}");

        let (status, headers, json) = get(&format!("{}/figures.json", server.url));
        assert_eq!(status, 200);
        assert_eq!(headers["access-control-allow-origin"], "*");
        let data: serde_json::Value = serde_json::from_str(&json).expect("json");
        // What the page serves, as the auditor reads it: nothing pinned to 1–4.
        let first: citizens_core::figures::PublicFigures =
            serde_json::from_str(&json).expect("the open data reads as figures");
        assert_eq!(audit(Method::Rounded, &[&first]), Vec::new());
        assert_eq!(data["publisher"], "Kano Civic Forum");
        assert_eq!(data["licence"], "CC BY 4.0");
        assert_eq!(data["cases"], serde_json::to_value(figures.cases).expect("cases"));
        assert_eq!(data["agencies"][0]["short_name"], "NPF");
        assert_eq!(data["agencies"][0]["received"], serde_json::to_value(received).expect("received"));
        assert_eq!(data["states"].as_array().map(Vec::len), Some(citizens_core::geo::states().len()));

        let (status, headers, csv) = get(&format!("{}/figures/agencies.csv", server.url));
        assert_eq!(status, 200);
        assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
        let npf = &figures.agencies[0];
        assert_eq!(
            csv.lines().collect::<Vec<_>>(),
            vec![
                "short_name,name,level,received,acknowledged,resolved,median_days_to_resolve".to_string(),
                format!(
                    "NPF,Nigeria Police Force,federal,{},{},{},fewer than 5",
                    shown(npf.received),
                    shown(npf.acknowledged),
                    shown(npf.resolved)
                ),
            ]
        );
        let (_, _, states) = get(&format!("{}/figures/states.csv", server.url));
        assert_eq!(states.lines().next(), Some("state,name,cases"));
        assert_eq!(states.lines().count(), 1 + citizens_core::geo::states().len());
        assert_eq!(get(&format!("{}/figures/people.csv", server.url)).0, 404);

        // More cases within the day are not published (one sync would show what they
        // changed); when the coordinator asks, or a day later, the figures go. (Five more to
        // the police always move its rounded count: 6 reads 5 or 10, 11 reads 10 or 15.)
        let mut five_more = |coordinator: &mut Device| {
            for _ in 0..5 {
                let more = coordinator.client.capture(&citizens_test_support::grievance(&mut rng)).expect("capture");
                assert!(worked::forward(&mut coordinator.client, &more.reference, "NPF", None));
            }
        };
        five_more(&mut coordinator);
        clock.advance(60 * 60 * 1000);
        assert!(!coordinator.sync().figures_published, "not twice in a day");
        coordinator.client.publish_figures_at_next_sync().expect("asked");
        assert!(coordinator.sync().figures_published, "published when asked");
        // The page before and after five more cases: no cell, total or difference pinned to 1–4.
        let (_, _, json) = get(&format!("{}/figures.json", server.url));
        let second: citizens_core::figures::PublicFigures =
            serde_json::from_str(&json).expect("the open data reads as figures");
        assert_ne!(second, first, "the figures moved");
        assert_eq!(audit(Method::Rounded, &[&first, &second]), Vec::new());
        five_more(&mut coordinator);
        assert!(!coordinator.sync().figures_published, "once asked, not again that day");
        clock.advance(24 * 60 * 60 * 1000);
        assert!(coordinator.sync().figures_published, "a day later");

        // A volunteer's laptop may not publish; a coordinator's with an exact count, a
        // planted agency, hidden digits or a total that is not the categories' is refused
        // in words; none replaces what is published.
        let figures = coordinator.client.public_figures().expect("figures");
        let key = coordinator.key();
        let mut volunteer = Device::volunteer(&server, "Musa Garba", &key);
        assert!(!volunteer.sync().figures_published, "a volunteer's laptop publishes nothing");
        assert_eq!(volunteer.client.sync_status().expect("status").figures_published, None);
        let token = volunteer.access_token(&server.url);
        let (status, body) = post(&server.url, FIGURES_PATH, CONTENT_TYPE, encode(&figures), Some(&token));
        assert_eq!(status, 403);
        assert_eq!(decode::<ErrorBody>(&body).expect("error").code, ErrorCode::Forbidden);
        let token = coordinator.access_token(&server.url);
        let mut exact = figures.clone();
        exact.agencies[0].received = Published(Some(7));
        let mut planted = figures.clone();
        planted.agencies[0].name = "2 bribery reports from Tarauni, reporter Musa Ibrahim 0803 555 0101".into();
        let mut digits = figures.clone();
        digits.agencies[0].median_days_to_resolve = Published(Some(12.000123456789));
        digits.agencies[0].resolved = Published(Some(15));
        let mut total = figures.clone();
        total.cases = Published(Some(sum + 100));
        for (refused, words) in [
            (exact, "figures: NPF's received is 7: every figure is rounded to a multiple of 5, and 0 reads \"fewer than 5\""),
            (planted, "figures: every agency listed must be one of the organisation's directory, with its name and level there"),
            (digits, "figures: NPF's median days (12.000123456789) are not whole days"),
            (total, "figures: the number of cases must be the sum of the categories"),
        ] {
            let (status, body) = post(&server.url, FIGURES_PATH, CONTENT_TYPE, encode(&refused), Some(&token));
            assert_eq!(status, 400);
            let error = decode::<ErrorBody>(&body).expect("error");
            assert_eq!(error.code, ErrorCode::InvalidRequest);
            assert_eq!(error.message, format!("these figures cannot be published: {words}"));
        }
        let (_, _, json) = get(&format!("{}/figures.json", server.url));
        let data: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(data["cases"], serde_json::to_value(figures.cases).expect("cases"), "what was published stands");
        assert!(!json.contains("Musa Ibrahim"));
    }
}

#[test]
fn nothing_planted_is_in_a_public_answer_or_the_servers_files() {
    let server = start(Backend::Sqlite, "");
    let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
    let token = form_token(&server);
    let (_, html) = post_form(&format!("{}/report", server.url), &report_fields(&token));
    let (reference, pin) = receipt(&html);
    let fields = twilio_fields(
        "SM33333333333333333333333333333333",
        "+2348065554411",
        "Light is off PLANTED-SMS-4411",
    );
    assert_eq!(post_twilio(&server, &fields, "twilio-test-token").0, 200);
    coordinator.sync();

    let mut public = String::new();
    for path in [
        "/",
        "/report",
        "/report?state=KN",
        "/track",
        "/rights",
        "/rights/agency/NPF",
        "/figures",
        "/figures.json",
        "/figures/agencies.csv",
        "/figures/months.csv",
        "/open311/v2/services.json",
        "/open311/v2/services.xml",
        "/open311/v2/discovery.json",
    ] {
        public.push_str(&get(&format!("{}{path}", server.url)).2);
    }
    public.push_str(
        &post_form(
            &format!("{}/track", server.url),
            &[("reference", &reference), ("pin", &pin)],
        )
        .1,
    );
    for planted in [
        NAME,
        "Planted-Musa",
        "8035557731",
        "555 7731",
        "PLANTED-NARRATIVE",
        "PLANTED-SMS",
        "8065554411",
    ] {
        assert!(!public.contains(planted), "a public answer holds {planted}");
    }
    // A web report keeps nothing of who sent it.
    let db = rusqlite::Connection::open(server.dir.path().join("server.db")).expect("db");
    let senders: Vec<(String, usize)> = db
        .prepare("SELECT provider, length(sender) FROM inbound_messages ORDER BY provider")
        .expect("query")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    assert_eq!(
        senders,
        vec![("twilio".to_string(), 32), ("web".to_string(), 0)]
    );
    drop(db);
    // The server's database and log hold no name or phone in plaintext (the narrative is the
    // case's, kept for the coordinators).
    let mut files = Vec::new();
    for entry in walk(server.dir.path()) {
        files.push((entry.clone(), std::fs::read(&entry).expect("read")));
    }
    for planted in [
        NAME.as_bytes(),
        b"8035557731",
        b"8065554411",
        b"Planted-Musa",
    ] {
        for (path, bytes) in &files {
            assert!(
                !bytes.windows(planted.len()).any(|w| w == planted),
                "{} holds {}",
                path.display(),
                String::from_utf8_lossy(planted)
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The server as a library taking the public's reports, `tracks_per_hour` tries at tracking
/// from one address, its clock moved by the test; its organisation has a coordinator.
fn in_process(
    tracks_per_hour: u32,
) -> (
    tempfile::TempDir,
    citizens_server::Running,
    std::sync::Arc<citizens_test_support::FakeClock>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = citizens_server::Config::local(dir.path());
    let home = citizens_core::geo::Lga::parse("KN", "Nasarawa").expect("lga");
    let mut public = citizens_server_core::intake::Public::new(ORG, home);
    public.tracks_per_hour = tracks_per_hour;
    config.public.intake = Some(public);
    let clock = citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY);
    let server = citizens_server::Application::spawn(config, clock.clone()).expect("server");
    let founder = Device::founder(
        "Amina Yusuf",
        citizens_test_support::FakeClock::at(citizens_test_support::TOWN_HALL_DAY),
    );
    code(
        server.core(),
        ORG,
        citizens_protocol::Role::Coordinator,
        "Amina Yusuf",
        &founder.key(),
        std::time::Duration::from_secs(3600),
    );
    (dir, server, clock)
}

/// An address that keeps trying past its limit (a carrier's NAT, an integration retrying) is
/// served again an hour after its first taken try: refused tries do not keep it locked out.
#[test]
fn tries_refused_over_the_limit_do_not_extend_it() {
    let (_dir, server, clock) = in_process(3);
    let core = server.core();
    let track = || match core.track("10.0.0.9", "KN-7QK-0001", "ABCDEFGH") {
        Ok(found) => {
            assert_eq!(found, None);
            "answered".to_string()
        }
        Err(e) => e.to_string(),
    };
    let refused = "too many tries from here this hour: try again later";
    let first: Vec<String> = (0..4).map(|_| track()).collect();
    assert_eq!(first, ["answered", "answered", "answered", refused]);
    // Refused once a minute for the rest of the hour, its last minute included.
    for _ in 0..59 {
        clock.advance(60_000);
        assert_eq!(track(), refused);
    }
    // An hour after them, the three taken tries have left the window: three more are answered.
    clock.advance(60_000);
    let after: Vec<String> = (0..4).map(|_| track()).collect();
    assert_eq!(after, ["answered", "answered", "answered", refused]);
}

#[test]
fn ten_thousand_guessed_receipts_open_nothing() {
    use citizens_core::capture::GrievanceInput;
    use rand::{Rng, SeedableRng};
    let (_dir, server, _clock) = in_process(1_000_000);
    let core = server.core();
    let reserved = core
        .create_enrolment(&citizens_server_core::NewCode {
            org: ORG,
            org_public_key: None,
            role: citizens_protocol::Role::Coordinator,
            user: citizens_server_core::intake::INTAKE_PERSON,
            valid_for: std::time::Duration::from_secs(3600),
        })
        .expect_err("the intake's name is the server's");
    assert_eq!(
        reserved.to_string(),
        "that name is the server's own (its public intake): choose the person's own name"
    );
    let report = GrievanceInput {
        category: "water".into(),
        state: "Kano".into(),
        lga: "Fagge".into(),
        narrative: "No water for a week".into(),
        ..GrievanceInput::default()
    };
    let receipts: Vec<_> = (0..20)
        .map(|i| {
            core.report(
                &format!("10.0.0.{i}"),
                &format!("form-{i}"),
                Intake::Web,
                &report,
            )
            .expect("filed")
        })
        .map(|filed| match filed {
            citizens_server_core::intake::Filed::New(receipt) => receipt,
            again => panic!("{again:?}"),
        })
        .collect();
    // Every receipt opens its own case, and only its own.
    for r in &receipts {
        assert_eq!(
            core.track("10.0.0.2", &r.reference, &r.pin)
                .expect("track")
                .map(|t| t.reference),
            Some(r.reference.clone())
        );
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let alphabet = citizens_protocol::CODE_ALPHABET;
    let mut hits = 0;
    for i in 0..10_000 {
        // Half against real references, half against made-up ones of the same shape.
        let reference = if i % 2 == 0 {
            receipts[rng.gen_range(0..receipts.len())].reference.clone()
        } else {
            format!(
                "KN-{}-{:04}",
                &receipts[0].reference[3..6],
                rng.gen_range(21..10_000)
            )
        };
        let pin: String = (0..8)
            .map(|_| char::from(alphabet[rng.gen_range(0..32)]))
            .collect();
        if receipts
            .iter()
            .any(|r| r.reference == reference && r.pin == pin)
        {
            continue;
        }
        if core
            .track("10.0.0.3", &reference, &pin)
            .expect("track")
            .is_some()
        {
            hits += 1;
        }
    }
    assert_eq!(hits, 0);
}

#[test]
fn know_your_rights_lists_the_directory_and_says_which_translations_await_review() {
    let server = start(Backend::Sqlite, "");
    let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
    let (status, _, list) = get(&format!("{}/rights?lang=ha", server.url));
    assert_eq!(status, 200);
    assert!(
        list.contains("<a href=\"/rights/agency/NIS\">Nigeria Immigration Service</a>"),
        "{list}"
    );
    assert!(list.contains("href=\"/rights/article/bail-is-free\""));
    let (_, headers, nis) = get(&format!("{}/rights/agency/NIS", server.url));
    assert!(headers.get("set-cookie").is_none());
    assert!(nis.contains("₦50,000 (from 1 September 2024)"), "{nis}");
    assert!(nis.contains("National Identification Number (NIN)"));
    let english = get(&format!(
        "{}/rights/article/bail-is-free?lang=en",
        server.url
    ))
    .2;
    let hausa = get(&format!(
        "{}/rights/article/bail-is-free?lang=ha",
        server.url
    ))
    .2;
    let review = "This translation is awaiting review by a native speaker.";
    let review_ha = citizens_server::pages::words("ha").get("pub_translation_review");
    assert!(!english.contains(review));
    // Its Hausa text is not yet checked by a native speaker: the page says so.
    assert!(
        hausa.contains(&citizens_server::pages::esc(&review_ha)),
        "{hausa}"
    );
    assert!(
        hausa.contains("Beli a ofishin ʼyan sanda kyauta ne."),
        "{hausa}"
    );
    // A coordinator marks it reviewed; after the sync the page stops saying so, and only for
    // that language.
    coordinator
        .client
        .mark_translation_reviewed("bail-is-free", "ha")
        .expect("marked");
    coordinator.sync();
    let hausa = get(&format!(
        "{}/rights/article/bail-is-free?lang=ha",
        server.url
    ))
    .2;
    assert!(
        !hausa.contains(&citizens_server::pages::esc(&review_ha)),
        "{hausa}"
    );
    assert!(
        hausa.contains("Beli a ofishin ʼyan sanda kyauta ne."),
        "{hausa}"
    );
    let yoruba = get(&format!(
        "{}/rights/article/bail-is-free?lang=yo",
        server.url
    ))
    .2;
    let review_yo = citizens_server::pages::words("yo").get("pub_translation_review");
    assert!(
        yoruba.contains(&citizens_server::pages::esc(&review_yo)),
        "{yoruba}"
    );
    // A volunteer may not.
    let key = coordinator.client.profile().org_public_key.clone();
    let mut volunteer = Device::volunteer(&server, "Chinedu Okafor", &key);
    let refused = volunteer
        .client
        .mark_translation_reviewed("bail-is-free", "yo")
        .expect_err("a volunteer");
    assert_eq!(
        refused.to_string(),
        "article: only a coordinator marks a translation reviewed; ask yours"
    );
    assert_eq!(get(&format!("{}/rights/agency/NOPE", server.url)).0, 404);
    assert_eq!(get(&format!("{}/rights/other/NIS", server.url)).0, 404);
}

/// A coordinator whose laptop's figures the server refuses is told why (the Sync screen reads
/// it from the sync status), until the server takes them.
#[test]
fn a_coordinator_is_told_when_the_server_refuses_the_public_figures() {
    use citizens_test_support::proxy::{Fault, Proxy};
    use std::sync::atomic::{AtomicBool, Ordering};
    let server = start(Backend::Sqlite, "");
    let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
    let refuse = std::sync::Arc::new(AtomicBool::new(true));
    let refusing = refuse.clone();
    let words = "these figures cannot be published: the number of cases is 3";
    let proxy = Proxy::start(
        &server.url,
        move |_, line| {
            if line.starts_with("POST /v1/figures ") && refusing.load(Ordering::SeqCst) {
                Fault::Refuse(words)
            } else {
                Fault::Pass
            }
        },
        || {},
    );
    coordinator
        .client
        .store()
        .set_meta("sync.server", &proxy.url)
        .expect("route through the proxy");
    assert!(
        !coordinator.sync().figures_published,
        "the sync itself goes on"
    );
    let status = coordinator.client.sync_status().expect("status");
    assert_eq!(
        status.figures_refused.map(|(_, why)| why).as_deref(),
        Some(words)
    );
    assert_eq!(status.figures_published, None);
    assert_eq!(status.last_error, None, "the records synced");
    refuse.store(false, Ordering::SeqCst);
    assert!(
        coordinator.sync().figures_published,
        "sent again, and taken"
    );
    let status = coordinator.client.sync_status().expect("status");
    assert_eq!(status.figures_refused, None);
    assert!(status.figures_published.is_some());
}

/// A server that holds the first release's articles (the shared copy, and an organisation's
/// own copy a coordinator edited), restarted as this release: both copies take the later
/// release's translations, and the organisation's edit stays.
#[test]
fn a_server_upgraded_to_newer_shipped_words_merges_them_and_keeps_an_organisations_edit() {
    use automerge::{transaction::Transactable, ReadDoc, ROOT};
    let mut server = start(Backend::Sqlite, "");
    let _coordinator = Device::coordinator(&server, "Amina Yusuf");
    let bail = citizens_core::seed::shipped_articles()
        .expect("articles")
        .into_iter()
        .find(|a| a.value.slug == "bail-is-free")
        .expect("bail-is-free");
    let id = bail.value.id.uuid().to_string();
    let mut shipped = bail.document.clone();
    let first_change = shipped.get_changes(&[])[0].hash();
    let mut first = shipped.fork_at(&[first_change]).expect("the first release");
    let mut edited = first.fork().with_actor(automerge::ActorId::random());
    let (_, title) = edited.get(ROOT, "title").expect("read").expect("titles");
    edited
        .put(&title, "en", "Police bail is free: know your rights")
        .expect("edit");
    edited.commit();
    server.while_stopped(|dir| {
        let db = rusqlite::Connection::open(dir.join("server.db")).expect("db");
        db.execute(
            "UPDATE docs SET snapshot = ?1 WHERE id = ?2",
            rusqlite::params![first.save(), id],
        )
        .expect("the first release's shared copy");
        db.execute(
            "INSERT INTO org_reference (org_id, doc_id, snapshot) SELECT id, ?1, ?2 FROM orgs",
            rusqlite::params![id, edited.save()],
        )
        .expect("the organisation's edited copy");
    });
    let page = |lang: &str| {
        get(&format!(
            "{}/rights/article/bail-is-free?lang={lang}",
            server.url
        ))
        .2
    };
    assert!(page("en").contains("Police bail is free: know your rights"));
    assert!(page("ha").contains("Beli a ofishin ʼyan sanda kyauta ne."));
    let db = rusqlite::Connection::open(server.dir.path().join("server.db")).expect("db");
    let snapshot: Vec<u8> = db
        .query_row("SELECT snapshot FROM docs WHERE id = ?1", [&id], |r| {
            r.get(0)
        })
        .expect("shared copy");
    let mut shared = automerge::AutoCommit::load(&snapshot).expect("load");
    assert_eq!(
        shared.get_heads(),
        shipped.get_heads(),
        "the shared copy is this release's"
    );
}

#[test]
fn whatever_the_public_or_a_provider_sends_is_answered_without_a_server_error() {
    use rand::{Rng, SeedableRng};
    let server = start(Backend::Sqlite, "");
    let _coordinator = Device::coordinator(&server, "Amina Yusuf");
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let token = form_token(&server);
    let valid = serde_urlencoded::to_string(report_fields(&token)).expect("form");
    let paths = [
        "/report",
        "/track",
        "/sms/africastalking?key=at-callback-key-0123456789",
        "/sms/twilio",
        "/whatsapp",
        "/open311/v2/requests.json",
        "/open311/v2/servicerequestupdates.xml",
    ];
    for i in 0..700 {
        // Random bytes, or the valid form with bytes flipped, cut or repeated.
        let mut body: Vec<u8> = if i % 2 == 0 {
            (0..rng.gen_range(0..2_000)).map(|_| rng.gen()).collect()
        } else {
            valid.as_bytes().to_vec()
        };
        for _ in 0..rng.gen_range(0..8) {
            if body.is_empty() {
                break;
            }
            let at = rng.gen_range(0..body.len());
            match rng.gen_range(0..3) {
                0 => body[at] = rng.gen(),
                1 => body.truncate(at),
                _ => body.extend_from_within(at..),
            }
        }
        let path = paths[i % paths.len()];
        let response = http()
            .post(format!("{}{path}", server.url))
            .header(
                "content-type",
                if i % 3 == 0 {
                    "application/json"
                } else {
                    "application/x-www-form-urlencoded"
                },
            )
            .body(body)
            .send()
            .expect("answered");
        let status = response.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
    }
    assert_eq!(get(&format!("{}/healthz", server.url)).0, 200);
}

/// A GET of a report form for `client` (behind a proxy: the address it appends): its token.
fn form_token_for(server: &Server, client: &str) -> String {
    let r = http()
        .get(format!("{}/report?state=KN", server.url))
        .header("x-forwarded-for", client)
        .send()
        .expect("answer");
    assert_eq!(r.status().as_u16(), 200);
    citizen::token_of(&r.text().expect("text"))
}

/// A report form posted by `client`, with an `Origin` header if given: status and page.
fn post_report_from(
    server: &Server,
    client: &str,
    origin: Option<&str>,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let mut request = http()
        .post(format!("{}/report", server.url))
        .header("x-forwarded-for", client);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let r = form(request, fields).send().expect("answer");
    (r.status().as_u16(), r.text().expect("text"))
}

on_each_backend! {
    /// Issue 26 (1): a form sent again, even with other words, files nothing more and is
    /// answered "already sent" without the first report's reference or PIN; a form's token
    /// serves only the client it was given to; `Origin: null` without `Sec-Fetch-Site` (a
    /// sandboxed frame, a `data:` page) is another site's form.
    fn a_used_form_is_answered_without_its_receipt_and_serves_only_its_own_client(backend) {
        let server = start(backend, "behind_proxy = true\n");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let (citizen, other) = ("198.51.100.7", "198.51.100.8");
        let token = form_token_for(&server, citizen);

        let (status, html) = post_report_from(&server, other, None, &report_fields(&token));
        assert_eq!(status, 400, "another client's form");
        assert!(html.contains("This form was open for too long."), "{html}");
        assert!(html.contains(NARRATIVE), "what was typed is kept");

        let (status, html) = post_report_from(&server, citizen, None, &report_fields(&token));
        assert_eq!(status, 200, "{html}");
        let (reference, pin) = receipt(&html);
        let mut others = report_fields(&token);
        others[5].1 = "Somebody else's words, sent with the same form";
        let (status, again) = post_report_from(&server, citizen, None, &others);
        assert_eq!(status, 200);
        assert!(again.contains("This report was already sent, and we have it."), "{again}");
        assert!(!again.contains(&reference) && !again.contains(&pin), "{again}");

        let fresh = form_token_for(&server, citizen);
        let (status, html) =
            post_report_from(&server, citizen, Some("null"), &report_fields(&fresh));
        assert_eq!(status, 403);
        assert!(html.contains("This form did not come from our report page."), "{html}");

        coordinator.sync();
        assert_eq!(coordinator.references(), vec![reference]);
    }
}

on_each_backend! {
    /// Issue 26 (5): Twilio signs names and values run together, so a field's boundary can be
    /// moved (`MessageSid=SM…NumMedia0`) without breaking the signature; the shapes Twilio
    /// guarantees are checked, so such a body is refused (400, nothing stored). A message
    /// sent again is answered without its receipt.
    fn a_twilio_message_with_a_moved_field_boundary_is_refused_and_a_resend_gets_no_receipt(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let token = "twilio-test-token";
        let fields = twilio_fields(
            "SM0123456789abcdef0123456789abcdef",
            "+2348065554412",
            "The borehole in Dala has been broken for a month",
        );
        let (status, first) = post_twilio(&server, &fields, token);
        assert_eq!(status, 200);
        assert!(first.contains("Thank you, we have your report. Reference KN-"), "{first}");
        let (status, again) = post_twilio(&server, &fields, token);
        assert_eq!((status, again.as_str()), (200, EMPTY_TWIML), "no receipt the second time");

        let moved: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| k != "NumMedia")
            .map(|(k, v)| match k.as_str() {
                "MessageSid" => (k.clone(), format!("{v}NumMedia0")),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        let url = "https://citizens.example.org/sms/twilio";
        assert_eq!(
            twilio_signature(token, url, &moved),
            twilio_signature(token, url, &fields),
            "the signature cannot tell them apart"
        );
        let malformed = (400, "the body is not a message this provider sends".to_string());
        assert_eq!(post_twilio(&server, &moved, token), malformed);
        for (name, value) in [
            ("MessageSid", "SM0123456789ABCDEF0123456789ABCDEF"),
            ("SmsSid", "SM99999999999999999999999999999999"),
            ("AccountSid", "AC0"),
            ("From", "+234806555441x"),
            ("NumMedia", "0x"),
        ] {
            let changed: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (k.clone(), if k == name { value.into() } else { v.clone() }))
                .collect();
            assert_eq!(post_twilio(&server, &changed, token), malformed, "{name}={value}");
        }
        coordinator.sync();
        assert_eq!(coordinator.references().len(), 1, "nothing else was stored");
    }
}

on_each_backend! {
    /// Issue 26 (8): text with a control character (ESC, a lone carriage return) is refused
    /// at the report form and by SMS, in words the citizen understands, and nothing is
    /// stored; line breaks in what happened are taken.
    fn text_with_control_characters_is_refused_and_nothing_is_stored(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let report = format!("{}/report", server.url);
        for (field, value) in [
            ("narrative", "The officer\u{1b}[2K\r asked for money"),
            ("name", "Hadiza\rMusa"),
        ] {
            let token = form_token(&server);
            let mut fields = report_fields(&token);
            for f in &mut fields {
                if f.0 == field {
                    f.1 = value;
                }
            }
            let (status, html) = post_form(&report, &fields);
            assert_eq!(status, 400, "{field}");
            assert!(
                html.contains("This has a hidden character in it (copied text can carry one)."),
                "{html}"
            );
        }
        let fields = twilio_fields(
            "SM44444444444444444444444444444444",
            "+2348065554413",
            "No light\u{1b}[31m in Fagge",
        );
        let (status, reply) = post_twilio(&server, &fields, "twilio-test-token");
        assert_eq!(status, 200);
        assert!(
            reply.contains("We could not take your message: it has a hidden character in it."),
            "{reply}"
        );
        coordinator.sync();
        assert!(coordinator.references().is_empty(), "nothing was stored");

        let token = form_token(&server);
        let mut fields = report_fields(&token);
        fields[5].1 = "The officer asked for money.\r\nHe said it twice.";
        assert_eq!(post_form(&report, &fields).0, 200, "line breaks are taken");
    }
}

on_each_backend! {
    /// Issue 28: an agency without desk accounts acknowledges a forwarded case by SMS, from the
    /// phone the organisation registered for it: `ACK <case code> <their reference>`. The same
    /// words from any other phone are a citizen's message like any other.
    fn an_agency_acknowledges_by_sms_from_its_registered_phone_only(backend) {
        let server = start(backend, "");
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let (reference, _) = citizen::report(
            &server.url,
            &[
                ("state", "KN"), ("kind", "complaint"), ("category", "power"), ("lga", "Fagge"),
                ("narrative", "No light on Zoo Road for two weeks"), ("consent", "yes"), ("website", ""),
            ],
        );
        coordinator.sync();
        coordinator.client.accept_intake(&reference).expect("accept");
        let forward = citizens_client::ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..Default::default()
        };
        coordinator.client.forward(&reference, &forward).expect("forward");
        coordinator.sync();
        server.admin(&[
            "enroll", "--role", "agency", "--agency", "KEDCO", "--org", ORG, "--user",
            "KEDCO complaints line", "--phone", "0803 555 0199",
        ]);
        let code = reference.replace('-', "").to_lowercase();
        let sid = |n: u8| format!("SM{n:032x}");
        let ack = |sid: &str, from: &str, body: &str| {
            post_twilio(&server, &twilio_fields(sid, from, body), "twilio-test-token")
        };
        let (status, twiml) = ack(&sid(1), "+2348035550199", &format!("ack {code} KE/2026/77"));
        assert_eq!(status, 200);
        assert!(twiml.contains(&format!("{reference} is acknowledged")), "{twiml}");
        // Sent again by the provider: nothing more, no answer.
        assert_eq!(ack(&sid(1), "+2348035550199", &format!("ack {code} KE/2026/77")).1, EMPTY_TWIML);
        let (_, unknown) = ack(&sid(2), "+2348035550199", "ACK KNZZZ0001");
        assert!(unknown.contains("No case KNZZZ0001 is with your agency"), "{unknown}");
        // Another phone: a citizen's message, filed as a report.
        let (_, citizen_reply) = ack(&sid(3), "+2348035550111", &format!("ACK {code}"));
        assert!(citizen_reply.contains("PIN"), "{citizen_reply}");

        coordinator.sync();
        let view = coordinator.client.open_case(&reference).expect("case");
        assert_eq!(view.row.status, "acknowledged");
        let acks: Vec<(Option<&str>, Option<&str>)> = view
            .timeline
            .iter()
            .filter(|e| e.kind == "acknowledged")
            .map(|e| (e.agency.as_deref(), e.params.get("reference").map(String::as_str)))
            .collect();
        assert_eq!(acks, [(Some("KEDCO"), Some("KE/2026/77"))]);
        assert_eq!(coordinator.references().len(), 2, "the other phone's message is a report");
    }
}

on_each_backend! {
    /// Issue 28: an SMS reporter hears how their case moves, once per change, through the
    /// provider they wrote in by; STOP ends it; repeated syncs send nothing more.
    fn an_sms_reporter_hears_each_change_once_and_stop_ends_it(backend) {
        use citizens_test_support::provider::Provider;
        let at = Provider::start(200, r#"{"SMSMessageData":{"Message":"Sent to 1/1","Recipients":[]}}"#);
        let server = start(
            backend,
            &format!(
                "[africastalking_send]\nusername = \"kanocivic\"\napi_key = \"at-api-key-0123\"\nurl = \"{}/version1/messaging\"\n",
                at.url
            ),
        );
        let mut coordinator = Device::coordinator(&server, "Amina Yusuf");
        let at_url = format!("{}/sms/africastalking?key=at-callback-key-0123456789", server.url);
        let sms = |id: &str, from: &str, text: &str| {
            assert_eq!(
                post_form(&at_url, &[("from", from), ("to", "32811"), ("text", text), ("date", "2026-12-04T06:04:45Z"), ("id", id)]).0,
                200
            );
        };
        let text_of = |sent: citizens_test_support::provider::Sent| -> (String, String) {
            let form: std::collections::BTreeMap<String, String> =
                serde_urlencoded::from_str(&sent.body).expect("a form");
            (form["to"].clone(), form["message"].clone())
        };
        sms("ATXid_1", "+2348025550001", "No light in Fagge for two weeks");
        let (to, receipt) = text_of(at.next());
        assert_eq!(to, "+2348025550001");
        let reference = between(&receipt, "Reference ", ",").to_string();
        coordinator.sync();
        coordinator.client.accept_intake(&reference).expect("accept");
        let forward = citizens_client::ForwardInput {
            agency: "KEDCO".into(),
            channel: "letter".into(),
            ..Default::default()
        };
        coordinator.client.forward(&reference, &forward).expect("forward");
        coordinator.sync();
        let (to, update) = text_of(at.next());
        assert_eq!(to, "+2348025550001");
        assert_eq!(
            update,
            format!("{reference}: your report was sent to KEDCO. Reply STOP for no more messages.")
        );
        // More syncs and a note: nothing new to tell. The next request is the resolution's.
        coordinator.client.add_note(&reference, "Called the area office").expect("note");
        coordinator.sync();
        coordinator.sync();
        coordinator.client.change_status(&reference, "resolved", None).expect("resolve");
        coordinator.sync();
        let (to, asked) = text_of(at.next());
        assert_eq!(to, "+2348025550001");
        assert_eq!(
            asked,
            format!("{reference}: your report is marked resolved. Was it solved? Reply 1 for yes, 2 for no. Reply STOP for no more messages.")
        );
        // "1" from another phone is that phone's own report, not an answer.
        sms("ATXid_4", "+2348025550009", "1");
        let (to, other) = text_of(at.next());
        assert_eq!(to, "+2348025550009");
        assert!(other.starts_with("Thank you, we have your report."), "{other}");
        // "2" from the case's phone reopens it with the citizen's words, on the laptop too.
        sms("ATXid_5", "+2348025550001", "2 Still dark at night");
        assert_eq!(
            text_of(at.next()).1,
            format!("Thank you: {reference} is open again. We will follow it up with the agency.")
        );
        coordinator.sync();
        let view = coordinator.client.open_case(&reference).expect("case");
        assert_eq!(view.row.status, "in_progress");
        let answers: Vec<(&str, Option<&str>)> = view
            .timeline
            .iter()
            .filter(|e| e.kind.starts_with("callback"))
            .map(|e| (e.kind, e.params.get("note").map(String::as_str)))
            .collect();
        assert_eq!(answers, [("callback_not_resolved", Some("By message: Still dark at night"))]);
        sms("ATXid_2", "+2348025550001", "STOP");
        assert_eq!(
            text_of(at.next()).1,
            "You will get no more messages about your reports. Your reports stay open."
        );
        // After STOP, a change sends nothing: the next request is another sender's receipt.
        coordinator.client.change_status(&reference, "resolved", None).expect("resolve");
        coordinator.sync();
        sms("ATXid_3", "+2348025550002", "Water is dirty in Gwale");
        let (to, next) = text_of(at.next());
        assert_eq!(to, "+2348025550002");
        assert!(next.starts_with("Thank you, we have your report."), "{next}");
        let month = server.admin(&["updates"]);
        assert!(month.starts_with("status messages sent this month: 2"), "{month}");
    }
}
