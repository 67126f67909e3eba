//! The forwarding letter as a PDF, beside the text one: the same words
//! (`citizens_client::Client::forwarding_letter`: the case, who holds it, its code, and how the
//! agency answers), and, for an enrolled laptop, a QR code of the agency desk's address, so an
//! officer reaches it from the paper with a phone.

use citizens_client::Client;
use qrcode::render::svg;
use qrcode::QrCode;

use crate::{Block, Document, Error, Result};

/// The forwarding letter of the case `key`, as a PDF (in English, as letters to agencies are).
pub fn forwarding_letter(client: &Client, key: &str) -> Result<Vec<u8>> {
    let text = client.forwarding_letter(key)?;
    let mut blocks: Vec<Block> = text
        .trim_end()
        .split("\n\n")
        .map(|p| Block::Para { text: p.into() })
        .collect();
    if let Some(server) = client.server().ok().flatten() {
        let desk = format!("{}/desk", server.trim_end_matches('/'));
        let svg = QrCode::new(desk.as_bytes())
            .map_err(|e| Error::Typeset(e.to_string()))?
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        blocks.push(Block::Qr {
            svg,
            caption: format!("The agency desk: {desk}"),
        });
    }
    let reference = client.open_case(key)?.row.reference;
    Document {
        title: format!("Forwarding letter {reference}"),
        lang: "en".into(),
        footer: format!("{} · {reference}", client.profile().organisation),
        blocks,
    }
    .pdf(client.today())
}
