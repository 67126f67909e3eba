//! What SMS and WhatsApp providers send, read and checked before anything is stored: Africa's
//! Talking's inbound callback (no signature: a long key in the callback address), Twilio's
//! signed webhook (`X-Twilio-Signature`: HMAC-SHA1 over the address and the sorted fields),
//! and the WhatsApp Cloud API's webhook (the verify handshake; `X-Hub-Signature-256`:
//! HMAC-SHA256 of the raw body). Every check is constant-time; a message that fails one is
//! refused with nothing stored.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use citizens_core::grievance::Intake;
use hmac::{Hmac, Mac};
use subtle::ConstantTimeEq;

use crate::intake::Message;

/// Africa's Talking, as an [`Inbound::provider`].
pub const AFRICAS_TALKING: &str = "africastalking";
/// Twilio, as an [`Inbound::provider`].
pub const TWILIO: &str = "twilio";
/// The WhatsApp Cloud API, as an [`Inbound::provider`].
pub const WHATSAPP: &str = "whatsapp";

/// A provider's message, its fields owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// Provider name.
    pub provider: &'static str,
    /// The provider's message id.
    pub id: String,
    /// Sender's number.
    pub from: String,
    /// Text.
    pub text: String,
    /// Which intake.
    pub intake: Intake,
}

impl Inbound {
    /// As the intake rules take it.
    pub fn message(&self) -> Message<'_> {
        Message {
            provider: self.provider,
            id: &self.id,
            from: &self.from,
            text: &self.text,
            intake: self.intake,
        }
    }
}

/// Why a webhook call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// This provider is not set up on this server.
    #[error("this provider is not set up here")]
    NotConfigured,
    /// The key or signature is missing or wrong.
    #[error("the signature or key is wrong")]
    BadSignature,
    /// The body is not what the provider sends.
    #[error("the body is not a message this provider sends")]
    Malformed,
}

/// Whether two secrets are equal, in time that does not depend on where they differ.
pub fn same_secret(given: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Africa's Talking's inbound SMS callback (form fields `from`, `to`, `text`, `date`, `id`),
/// called with `?key=` equal to the configured key. A delivery report (no `text`) is not a
/// message: `Ok(None)`.
pub fn africas_talking(
    key: &str,
    expected: Option<&str>,
    fields: &[(String, String)],
) -> Result<Option<Inbound>, Refusal> {
    let expected = expected.ok_or(Refusal::NotConfigured)?;
    if !same_secret(key, expected) {
        return Err(Refusal::BadSignature);
    }
    let (Some(id), Some(from)) = (field(fields, "id"), field(fields, "from")) else {
        return Err(Refusal::Malformed);
    };
    let Some(text) = field(fields, "text") else {
        return Ok(None);
    };
    Ok(Some(Inbound {
        provider: AFRICAS_TALKING,
        id: id.to_string(),
        from: from.to_string(),
        text: text.to_string(),
        intake: Intake::Sms,
    }))
}

/// Twilio's signature of a webhook: base64(HMAC-SHA1(auth token, the full public address
/// followed by every field's name and value, sorted by name)).
pub fn twilio_signature(auth_token: &str, url: &str, fields: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = fields.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes())
        .unwrap_or_else(|_| Hmac::<sha1::Sha1>::new(&Default::default()));
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    B64.encode(mac.finalize().into_bytes())
}

/// Twilio's messaging webhook (`MessageSid`, `From`, `Body`; WhatsApp through Twilio has
/// `From=whatsapp:+…`), signed for `url` (the address Twilio called, as the public sees it).
pub fn twilio(
    signature: &str,
    auth_token: Option<&str>,
    url: &str,
    fields: &[(String, String)],
) -> Result<Inbound, Refusal> {
    let token = auth_token.ok_or(Refusal::NotConfigured)?;
    if !same_secret(signature.trim(), &twilio_signature(token, url, fields)) {
        return Err(Refusal::BadSignature);
    }
    twilio_shapes(fields)?;
    let (Some(id), Some(from), Some(text)) = (
        field(fields, "MessageSid"),
        field(fields, "From"),
        field(fields, "Body"),
    ) else {
        return Err(Refusal::Malformed);
    };
    let whatsapp = from.starts_with("whatsapp:");
    Ok(Inbound {
        provider: TWILIO,
        id: id.to_string(),
        from: from.trim_start_matches("whatsapp:").to_string(),
        text: text.to_string(),
        intake: if whatsapp {
            Intake::WhatsApp
        } else {
            Intake::Sms
        },
    })
}

/// Twilio's signature runs names and values together with nothing between them, so a field's
/// boundary can be moved without breaking it (`MessageSid=SM…NumMedia0` signs as
/// `MessageSid=SM…` and `NumMedia=0`). What a field may hold is checked against the shapes
/// Twilio guarantees, so no boundary can move: each field once; `MessageSid` (and `SmsSid`,
/// `SmsMessageSid`, equal to it when sent) `SM` or `MM` and 32 lowercase hex digits;
/// `AccountSid` `AC` and 32 lowercase hex digits; `From` a phone number (`+` and digits, or
/// `whatsapp:` before them); `NumMedia` digits.
fn twilio_shapes(fields: &[(String, String)]) -> Result<(), Refusal> {
    let hex32 =
        |t: &str| t.len() == 32 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let sid = |t: &str| (t.starts_with("SM") || t.starts_with("MM")) && hex32(&t[2..]);
    let mut names: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    let once = names.windows(2).all(|w| w[0] != w[1]);
    let id = field(fields, "MessageSid").unwrap_or_default();
    let same_id = ["SmsSid", "SmsMessageSid"]
        .iter()
        .all(|name| field(fields, name).is_none_or(|v| v == id));
    let account =
        field(fields, "AccountSid").is_some_and(|a| a.strip_prefix("AC").is_some_and(hex32));
    let from = field(fields, "From").is_some_and(|f| {
        let number = f.strip_prefix("whatsapp:").unwrap_or(f);
        number.strip_prefix('+').unwrap_or(number).len() >= 7
            && number.len() <= 16
            && number
                .strip_prefix('+')
                .unwrap_or(number)
                .bytes()
                .all(|b| b.is_ascii_digit())
    });
    let media = field(fields, "NumMedia")
        .is_some_and(|n| !n.is_empty() && n.len() <= 3 && n.bytes().all(|b| b.is_ascii_digit()));
    if once && sid(id) && same_id && account && from && media {
        Ok(())
    } else {
        Err(Refusal::Malformed)
    }
}

/// A Twilio reply: TwiML with one message, every character escaped.
pub fn twiml(reply: Option<&str>) -> String {
    match reply {
        Some(text) => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>{}</Message></Response>",
            citizens_core::charts::escape(text)
        ),
        None => "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>".to_string(),
    }
}

/// The WhatsApp verify handshake: the challenge to echo when the mode and token are right.
pub fn whatsapp_verify<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    expected: Option<&str>,
) -> Result<&'a str, Refusal> {
    let expected = expected.ok_or(Refusal::NotConfigured)?;
    match (mode, token, challenge) {
        (Some("subscribe"), Some(token), Some(challenge)) if same_secret(token, expected) => {
            Ok(challenge)
        }
        _ => Err(Refusal::BadSignature),
    }
}

/// The signature the WhatsApp Cloud API sends: `sha256=` and the hex HMAC-SHA256 of the raw
/// body under the app secret.
pub fn whatsapp_signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
        .unwrap_or_else(|_| Hmac::<sha2::Sha256>::new(&Default::default()));
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

#[derive(serde::Deserialize)]
struct Hook {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(serde::Deserialize)]
struct Change {
    field: String,
    value: Value,
}

#[derive(serde::Deserialize)]
struct Value {
    #[serde(default)]
    messages: Vec<WaMessage>,
}

#[derive(serde::Deserialize)]
struct WaMessage {
    from: String,
    id: String,
    #[serde(rename = "type")]
    kind: String,
    text: Option<WaText>,
}

#[derive(serde::Deserialize)]
struct WaText {
    body: String,
}

/// The WhatsApp Cloud API's webhook: its text messages (status callbacks and other kinds of
/// message carry none), once the signature over the raw body is checked.
pub fn whatsapp(
    signature: &str,
    app_secret: Option<&str>,
    body: &[u8],
) -> Result<Vec<Inbound>, Refusal> {
    let secret = app_secret.ok_or(Refusal::NotConfigured)?;
    if !same_secret(signature.trim(), &whatsapp_signature(secret, body)) {
        return Err(Refusal::BadSignature);
    }
    let hook: Hook = serde_json::from_slice(body).map_err(|_| Refusal::Malformed)?;
    if hook.object != "whatsapp_business_account" {
        return Err(Refusal::Malformed);
    }
    Ok(hook
        .entry
        .into_iter()
        .flat_map(|e| e.changes)
        .filter(|c| c.field == "messages")
        .flat_map(|c| c.value.messages)
        .filter_map(|m| {
            let text = m.text.filter(|_| m.kind == "text")?.body;
            Some(Inbound {
                provider: WHATSAPP,
                id: m.id,
                // WhatsApp gives the number without its plus.
                from: format!("+{}", m.from.trim_start_matches('+')),
                text,
                intake: Intake::WhatsApp,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const TWILIO_URL: &str = "https://report.example.ng/sms/twilio";
    const TOKEN: &str = "twilio-auth-token-of-the-organisation";

    /// An SMS as Twilio posts it, in the shapes Twilio guarantees.
    fn twilio_sms(from: &str, body: &str) -> Vec<(String, String)> {
        fields(&[
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("SmsSid", "SM0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("From", from),
            ("To", "+2348005550100"),
            ("Body", body),
            ("NumMedia", "0"),
        ])
    }

    #[test]
    fn twilio_signs_as_its_documentation_shows() {
        // Twilio's worked example (token 12345): the address, then each field sorted by name.
        let documented = fields(&[
            ("Digits", "1234"),
            ("To", "+18005551212"),
            ("From", "+14158675309"),
            ("Caller", "+14158675309"),
            ("CallSid", "CA1234567890ABCDE"),
        ]);
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(
            twilio_signature("12345", url, &documented),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
        // Signed right, but a voice call's fields: not a message.
        assert_eq!(
            twilio(
                "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                Some("12345"),
                url,
                &documented
            ),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn a_twilio_message_signed_with_the_token_is_taken() {
        let sms = twilio_sms("+2348035550101", "No water in Fagge since Monday");
        let signature = twilio_signature(TOKEN, TWILIO_URL, &sms);
        let taken = twilio(&format!(" {signature} "), Some(TOKEN), TWILIO_URL, &sms);
        assert_eq!(
            taken,
            Ok(Inbound {
                provider: TWILIO,
                id: "SM0123456789abcdef0123456789abcdef".into(),
                from: "+2348035550101".into(),
                text: "No water in Fagge since Monday".into(),
                intake: Intake::Sms,
            })
        );
        let whatsapp = twilio_sms("whatsapp:+2348035550101", "No water in Fagge");
        let signature = twilio_signature(TOKEN, TWILIO_URL, &whatsapp);
        let taken = twilio(&signature, Some(TOKEN), TWILIO_URL, &whatsapp).expect("taken");
        assert_eq!(
            (taken.from.as_str(), taken.intake),
            ("+2348035550101", Intake::WhatsApp)
        );
        let message = taken.message();
        assert_eq!(
            (message.provider, message.id, message.from, message.text),
            (
                TWILIO,
                taken.id.as_str(),
                "+2348035550101",
                "No water in Fagge"
            )
        );
    }

    #[test]
    fn a_twilio_message_tampered_or_signed_otherwise_is_refused() {
        let sms = twilio_sms("+2348035550101", "No water in Fagge since Monday");
        let signature = twilio_signature(TOKEN, TWILIO_URL, &sms);
        let mut tampered = sms.clone();
        tampered[5].1 = "Send the refund to 0803 555 0102".into();
        assert_eq!(
            twilio(&signature, Some(TOKEN), TWILIO_URL, &tampered),
            Err(Refusal::BadSignature)
        );
        let wrong = twilio_signature("another-token", TWILIO_URL, &sms);
        assert_eq!(
            twilio(&wrong, Some(TOKEN), TWILIO_URL, &sms),
            Err(Refusal::BadSignature)
        );
        let elsewhere = "https://report.example.ng/sms/other";
        assert_eq!(
            twilio(&signature, Some(TOKEN), elsewhere, &sms),
            Err(Refusal::BadSignature),
            "signed for another address"
        );
        for header in [
            "",
            "   ",
            "not base64 at all",
            &signature[..signature.len() - 2],
        ] {
            assert_eq!(
                twilio(header, Some(TOKEN), TWILIO_URL, &sms),
                Err(Refusal::BadSignature),
                "{header:?}"
            );
        }
        assert_eq!(
            twilio(&signature, None, TWILIO_URL, &sms),
            Err(Refusal::NotConfigured)
        );
        assert_eq!(
            twilio(&signature, Some(""), TWILIO_URL, &sms),
            Err(Refusal::BadSignature),
            "an empty token matches nothing"
        );
    }

    #[test]
    fn a_twilio_field_boundary_moved_under_a_good_signature_is_refused() {
        // `MessageSid=SM…` and `NumMedia=0` sign exactly as `MessageSid=SM…NumMedia0`: the
        // signature holds, and the shapes refuse it.
        let sms = twilio_sms("+2348035550101", "Light is off in Gwale");
        let signature = twilio_signature(TOKEN, TWILIO_URL, &sms);
        let moved: Vec<(String, String)> = sms
            .iter()
            .filter(|(k, _)| k != "NumMedia")
            .map(|(k, v)| match k.as_str() {
                "MessageSid" => (k.clone(), format!("{v}NumMedia0")),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        assert_eq!(twilio_signature(TOKEN, TWILIO_URL, &moved), signature);
        assert_eq!(
            twilio(&signature, Some(TOKEN), TWILIO_URL, &moved),
            Err(Refusal::Malformed)
        );
        type Fields = Vec<(String, String)>;
        let shapes = |change: &dyn Fn(&mut Fields)| {
            let mut f = twilio_sms("+2348035550101", "Light is off in Gwale");
            change(&mut f);
            let signature = twilio_signature(TOKEN, TWILIO_URL, &f);
            twilio(&signature, Some(TOKEN), TWILIO_URL, &f)
        };
        assert_eq!(
            shapes(&|f| f.push(("Body".into(), "a second body".into()))),
            Err(Refusal::Malformed),
            "a field twice"
        );
        assert_eq!(
            shapes(&|f| f[1].1 = "SM11111111111111111111111111111111".into()),
            Err(Refusal::Malformed),
            "SmsSid differs from MessageSid"
        );
        assert_eq!(
            shapes(&|f| f[3].1 = "+234 803 555 0101".into()),
            Err(Refusal::Malformed),
            "a sender that is not + and digits"
        );
        assert_eq!(
            shapes(&|f| f.retain(|(k, _)| k != "Body")),
            Err(Refusal::Malformed),
            "no body"
        );
    }

    const APP_SECRET: &str = "whatsapp-app-secret";

    fn whatsapp_body(from: &str, text: &str) -> Vec<u8> {
        serde_json::json!({
            "object": "whatsapp_business_account",
            "entry": [{"changes": [
                {"field": "messages", "value": {
                    "messages": [
                        {"from": from, "id": "wamid.HBgM1", "type": "text", "text": {"body": text}},
                        {"from": from, "id": "wamid.HBgM2", "type": "image"}
                    ],
                    "statuses": [{"id": "wamid.HBgM0", "status": "read"}]
                }}
            ]}]
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn whatsapp_signs_the_raw_body_with_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            whatsapp_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_whatsapp_body_signed_with_the_app_secret_gives_its_text_messages() {
        let body = whatsapp_body("2348035550101", "Road to Kofar Mata is flooded");
        let signature = whatsapp_signature(APP_SECRET, &body);
        assert_eq!(
            whatsapp(&signature, Some(APP_SECRET), &body),
            Ok(vec![Inbound {
                provider: WHATSAPP,
                id: "wamid.HBgM1".into(),
                from: "+2348035550101".into(),
                text: "Road to Kofar Mata is flooded".into(),
                intake: Intake::WhatsApp,
            }]),
            "the image and the read receipt carry no text"
        );
    }

    #[test]
    fn a_whatsapp_body_tampered_or_signed_otherwise_is_refused() {
        let body = whatsapp_body("2348035550101", "Road to Kofar Mata is flooded");
        let signature = whatsapp_signature(APP_SECRET, &body);
        let tampered = whatsapp_body("2348035550101", "Road to Kofar Mata is fine");
        assert_eq!(
            whatsapp(&signature, Some(APP_SECRET), &tampered),
            Err(Refusal::BadSignature)
        );
        let wrong = whatsapp_signature("another-secret", &body);
        assert_eq!(
            whatsapp(&wrong, Some(APP_SECRET), &body),
            Err(Refusal::BadSignature)
        );
        let hex = signature.trim_start_matches("sha256=");
        for header in [
            "",
            "sha256=",
            hex,
            &format!("sha1={hex}"),
            &signature.to_uppercase(),
            &format!("sha256={}", "zz".repeat(32)),
        ] {
            assert_eq!(
                whatsapp(header, Some(APP_SECRET), &body),
                Err(Refusal::BadSignature),
                "{header:?}"
            );
        }
        assert_eq!(
            whatsapp(&signature, None, &body),
            Err(Refusal::NotConfigured)
        );
    }

    #[test]
    fn a_signed_whatsapp_body_that_is_not_the_business_api_is_malformed() {
        for body in [
            b"not json".to_vec(),
            br#"{"object": "page", "entry": []}"#.to_vec(),
            br#"{"entry": []}"#.to_vec(),
        ] {
            let signature = whatsapp_signature(APP_SECRET, &body);
            assert_eq!(
                whatsapp(&signature, Some(APP_SECRET), &body),
                Err(Refusal::Malformed)
            );
        }
    }

    #[test]
    fn the_whatsapp_handshake_echoes_the_challenge_only_for_the_token() {
        let verify =
            |mode, token, challenge| whatsapp_verify(mode, token, challenge, Some("verify-token"));
        assert_eq!(
            verify(Some("subscribe"), Some("verify-token"), Some("1158201444")),
            Ok("1158201444")
        );
        for (mode, token, challenge) in [
            (Some("subscribe"), Some("wrong"), Some("1158201444")),
            (Some("subscribe"), Some(""), Some("1158201444")),
            (
                Some("unsubscribe"),
                Some("verify-token"),
                Some("1158201444"),
            ),
            (None, Some("verify-token"), Some("1158201444")),
            (Some("subscribe"), None, Some("1158201444")),
            (Some("subscribe"), Some("verify-token"), None),
        ] {
            assert_eq!(
                verify(mode, token, challenge),
                Err(Refusal::BadSignature),
                "{mode:?} {token:?} {challenge:?}"
            );
        }
        assert_eq!(
            whatsapp_verify(Some("subscribe"), Some("verify-token"), Some("1"), None),
            Err(Refusal::NotConfigured)
        );
    }

    #[test]
    fn africas_talking_takes_the_callback_with_the_key_in_its_address() {
        let sms = fields(&[
            ("from", "+2348035550101"),
            ("to", "32811"),
            ("text", "Borehole in Dala is broken"),
            ("date", "2026-11-28 09:00:00"),
            ("id", "ATXid_5c7f1ba2"),
        ]);
        let key = "a-long-key-in-the-callback-address";
        assert_eq!(
            africas_talking(key, Some(key), &sms),
            Ok(Some(Inbound {
                provider: AFRICAS_TALKING,
                id: "ATXid_5c7f1ba2".into(),
                from: "+2348035550101".into(),
                text: "Borehole in Dala is broken".into(),
                intake: Intake::Sms,
            }))
        );
        for wrong in ["", "a-long-key-in-the-callback-addresS", "a-long-key"] {
            assert_eq!(
                africas_talking(wrong, Some(key), &sms),
                Err(Refusal::BadSignature),
                "{wrong:?}"
            );
        }
        assert_eq!(
            africas_talking("", Some(""), &sms),
            Err(Refusal::BadSignature),
            "an empty key matches nothing"
        );
        assert_eq!(
            africas_talking(key, None, &sms),
            Err(Refusal::NotConfigured)
        );
        let report: Vec<_> = sms.iter().filter(|(k, _)| k != "text").cloned().collect();
        assert_eq!(
            africas_talking(key, Some(key), &report),
            Ok(None),
            "a delivery report is no message"
        );
        let nameless: Vec<_> = sms.iter().filter(|(k, _)| k != "id").cloned().collect();
        assert_eq!(
            africas_talking(key, Some(key), &nameless),
            Err(Refusal::Malformed)
        );
    }

    #[test]
    fn a_twilio_reply_escapes_every_character_that_would_be_markup() {
        assert_eq!(
            twiml(None),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
        );
        assert_eq!(
            twiml(Some("Ref KN-7QK-004211 <PIN> \"A&B\"\u{7}")),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Ref KN-7QK-004211 &lt;PIN&gt; &quot;A&amp;B&quot; </Message></Response>"
        );
    }
}
