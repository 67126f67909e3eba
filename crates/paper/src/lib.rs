//! Printed papers a coordinator hands over or takes to a meeting: the agency brief, the media
//! brief and the town-hall kit, as PDF in the reader's language. Every figure on them goes
//! through `citizens_store::figures::published` (fewer than 5 cases withheld) and none carries
//! a reporter's name, phone or account of what happened. The words are the window's own
//! catalogues (`ui/src/lib/locales/*.json`), so a paper and the screen never say it
//! differently.

mod brief;
mod kit;
mod letter;
mod typeset;
mod words;

pub use brief::{agency_brief, media_brief};
pub use citizens_words::{Words, LANGUAGES};
pub use kit::{kit, KIT_FORMS};
pub use letter::forwarding_letter;

use serde::Serialize;

/// Why a paper could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cases, the agency or the session could not be read, or a choice was refused.
    #[error(transparent)]
    Client(#[from] citizens_client::Error),
    /// Not one of the five languages.
    #[error("“{0}” is not a language the papers are printed in: choose en, ha, yo, ig or pcm")]
    Language(String),
    /// Typst refused the paper (a defect in the template, never the data).
    #[error("the paper could not be typeset: {0}")]
    Typeset(String),
}

impl Error {
    /// The code the window and the CLI show this error under.
    pub fn code(&self) -> citizens_client::Code {
        match self {
            Error::Client(inner) => inner.code(),
            Error::Language(_) => citizens_client::Code::Invalid,
            Error::Typeset(_) => citizens_client::Code::Internal,
        }
    }
}

impl From<Error> for citizens_client::Failure {
    fn from(e: Error) -> Self {
        citizens_client::Failure::new(e.code(), e.to_string())
    }
}

/// A result of making a paper.
pub type Result<T> = std::result::Result<T, Error>;

/// One piece of a paper, laid out by `templates/paper.typ`.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Block {
    /// A heading; level 1 is the paper's title.
    Heading { level: u8, text: String },
    /// A paragraph.
    Para { text: String },
    /// Small print.
    Note { text: String },
    /// A table whose columns from `numeric_from` on are figures (right-aligned); `widths`
    /// are fractions of the line.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
        numeric_from: usize,
        widths: Vec<f32>,
    },
    /// An SVG chart from `citizens_core::charts`.
    Chart { svg: String },
    /// A QR code (SVG) with the address it holds written beside it.
    Qr { svg: String, caption: String },
    /// A new page.
    PageBreak,
    /// A complaint form's top: its title and its number, boxed.
    FormTop {
        title: String,
        label: String,
        number: String,
    },
    /// A question with ruled lines to write the answer on.
    Lines { label: String, lines: u8 },
    /// Two or more questions side by side on one ruled line each.
    Fields { labels: Vec<String> },
    /// A question with boxes to tick.
    Choices(Choices),
    /// Short questions with boxes to tick, side by side.
    ChoicesRow { groups: Vec<Choices> },
    /// Tally boxes, one row per group, a column for each group's total and a last row for
    /// everyone's.
    Tally {
        head: Vec<String>,
        rows: Vec<String>,
        total: String,
    },
    /// A dashed line and a slip to cut off and give away.
    Slip { text: String },
}

/// A question with boxes to tick, in a row of them.
#[derive(Debug, Clone, Serialize)]
struct Choices {
    label: String,
    options: Vec<String>,
}

/// A whole paper: its title, language, footer and blocks.
#[derive(Debug, Serialize)]
struct Document {
    title: String,
    lang: String,
    footer: String,
    blocks: Vec<Block>,
}

impl Document {
    fn pdf(&self, today: citizens_core::clock::Day) -> Result<Vec<u8>> {
        let data = serde_json::to_vec(self).map_err(|e| Error::Typeset(e.to_string()))?;
        typeset::pdf(data, today.date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Yorùbá's dots below with tone marks, upper and lower case, and Hausa's hooked letters.
    const LETTERS: &str = "Ọ́fíìsì ẹ̀sùn ọ̀rọ̀ ṣ́ Ẹ̀ Ọ́ · Ƙ ƙ Ɓ ɓ Ɗ ɗ ’Y · K k B b D d";

    /// The first page's top as a greyscale bitmap (pdftoppm, 100 dpi): width, height, pixels.
    fn top_of_page(pdf: &[u8]) -> (usize, usize, Vec<u8>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("letters.pdf");
        std::fs::write(&path, pdf).expect("write");
        let out = std::process::Command::new("pdftoppm")
            .args([
                "-r", "100", "-f", "1", "-l", "1", "-x", "0", "-y", "40", "-W", "827",
            ])
            .args(["-H", "110", "-gray"])
            .arg(&path)
            .output()
            .expect("pdftoppm (poppler-utils) runs");
        assert!(out.status.success(), "pdftoppm renders the page");
        pgm(&out.stdout)
    }

    /// A binary PGM (`P5 w h 255`, then the pixels).
    fn pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).to_string());
        }
        assert_eq!(fields[0], "P5", "a binary greyscale bitmap");
        let (w, h) = (fields[1].parse().expect("w"), fields[2].parse().expect("h"));
        (w, h, bytes[at + 1..].to_vec())
    }

    /// The letters rendered now match `tests/golden/letters.pgm`, checked by eye when it was
    /// made (marks over and under the right letters, Ƙ ɓ ɗ hooked): a font or Typst upgrade
    /// that misplaced them would fail here. `CITIZENS_WRITE_GOLDEN=1` writes it again.
    #[test]
    fn yoruba_and_hausa_letters_render_as_checked_by_eye() {
        let document = Document {
            title: "letters".into(),
            lang: "yo".into(),
            footer: String::new(),
            blocks: vec![
                Block::Heading {
                    level: 1,
                    text: LETTERS.into(),
                },
                Block::Para {
                    text: LETTERS.into(),
                },
            ],
        };
        let day = citizens_core::clock::Day::parse("day", "2026-12-04").expect("day");
        let pdf = document.pdf(day).expect("pdf");
        let (w, h, pixels) = top_of_page(&pdf);
        let golden =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/letters.pgm");
        if std::env::var_os("CITIZENS_WRITE_GOLDEN").is_some() {
            let mut file = format!("P5\n{w} {h}\n255\n").into_bytes();
            file.extend(&pixels);
            std::fs::write(&golden, file).expect("write the golden bitmap");
        }
        let (gw, gh, expected) = pgm(&std::fs::read(&golden).expect("the golden bitmap"));
        assert_eq!((w, h), (gw, gh), "same size");
        let differing = pixels
            .iter()
            .zip(&expected)
            .filter(|(a, b)| a.abs_diff(**b) > 64)
            .count();
        assert!(
            differing * 1000 <= pixels.len(),
            "{differing} of {} pixels differ from the letters checked by eye",
            pixels.len()
        );
    }
}
