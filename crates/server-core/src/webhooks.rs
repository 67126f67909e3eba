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
