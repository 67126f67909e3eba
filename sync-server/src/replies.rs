//! Replies to SMS and WhatsApp senders through the providers' send APIs: Africa's Talking's
//! SMS API and the WhatsApp Cloud API's messages call (Twilio's reply rides in its webhook's
//! answer instead). Sent after the webhook is answered, so a slow provider never delays it.
//! The sender's number is in memory for that one call only, never stored or logged: a reply
//! that fails is logged by provider and status and not retried; the case is filed regardless.

use std::time::Duration;

use citizens_server_core::webhooks;
use serde::Deserialize;

/// Africa's Talking's SMS API, as configured (`[africastalking_send]`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AfricasTalking {
    /// The application's username (`sandbox` in their sandbox).
    pub username: String,
    /// Its API key.
    pub api_key: String,
    /// The short code or sender id to send from (the account's default when absent).
    pub from: Option<String>,
    /// The send address.
    #[serde(default = "AfricasTalking::live")]
    pub url: String,
}

impl std::fmt::Debug for AfricasTalking {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AfricasTalking")
            .field("username", &self.username)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl AfricasTalking {
    fn live() -> String {
        "https://api.africastalking.com/version1/messaging".into()
    }
}

/// The WhatsApp Cloud API, as configured (`[whatsapp_send]`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsApp {
    /// A system user's access token.
    pub access_token: String,
    /// The business phone number's id (Meta's, not the number itself).
    pub phone_number_id: String,
    /// The Graph API's address, version included.
    #[serde(default = "WhatsApp::live")]
    pub url: String,
}

impl std::fmt::Debug for WhatsApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WhatsApp")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl WhatsApp {
    fn live() -> String {
        "https://graph.facebook.com/v21.0".into()
    }
}

/// Where replies go, by provider.
#[derive(Clone)]
pub struct Replier {
    http: reqwest::Client,
    africastalking: Option<AfricasTalking>,
    whatsapp: Option<WhatsApp>,
}

impl std::fmt::Debug for Replier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replier")
            .field("africastalking", &self.africastalking.is_some())
            .field("whatsapp", &self.whatsapp.is_some())
            .finish()
    }
}

impl Replier {
    /// Replies through the APIs configured (none: no reply is sent). Never follows a
    /// redirect: the API key would go with it to wherever it points.
    pub fn new(
        africastalking: Option<AfricasTalking>,
        whatsapp: Option<WhatsApp>,
    ) -> anyhow::Result<Replier> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Replier {
            http,
            africastalking,
            whatsapp,
        })
    }

    /// The provider that can text a phone number the server did not hear from (a web
    /// reporter's): Africa's Talking, when its send API is configured.
    pub fn sms_provider(&self) -> Option<&'static str> {
        self.africastalking
            .as_ref()
            .map(|_| webhooks::AFRICAS_TALKING)
    }

    /// Send `text` to `to` through `provider`'s API in the background, if it is configured.
    pub fn send(&self, provider: &'static str, to: String, text: String) {
        let request = match provider {
            webhooks::AFRICAS_TALKING => self.africastalking.as_ref().map(|at| {
                let mut form = vec![
                    ("username", at.username.as_str()),
                    ("to", to.as_str()),
                    ("message", text.as_str()),
                ];
                if let Some(from) = &at.from {
                    form.push(("from", from));
                }
                self.http
                    .post(&at.url)
                    .header("apiKey", &at.api_key)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(serde_urlencoded::to_string(&form).unwrap_or_default())
            }),
            webhooks::WHATSAPP => self.whatsapp.as_ref().map(|wa| {
                let body = serde_json::json!({
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    // The sender's WhatsApp id: the number's digits.
                    "to": to.trim_start_matches('+'),
                    "type": "text",
                    "text": {"preview_url": false, "body": text},
                });
                self.http
                    .post(format!(
                        "{}/{}/messages",
                        wa.url.trim_end_matches('/'),
                        wa.phone_number_id
                    ))
                    .bearer_auth(&wa.access_token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string())
            }),
            _ => None,
        };
        let Some(request) = request else { return };
        tokio::spawn(async move {
            match request.send().await {
                Ok(answer) if answer.status().is_success() => {
                    tracing::info!(provider, "reply sent");
                }
                Ok(answer) => {
                    tracing::warn!(provider, status = answer.status().as_u16(), "reply refused")
                }
                Err(e) => tracing::warn!(
                    provider,
                    timeout = e.is_timeout(),
                    connect = e.is_connect(),
                    "reply not sent"
                ),
            }
        });
    }
}
