//! Typst as a library: one template (`templates/paper.typ`) lays out any paper from its
//! blocks, read as `data.json`. The data is only ever read as JSON values, never evaluated
//! as markup, so a case title cannot inject Typst code. Andika is embedded: it places the
//! Yorùbá tone marks on ẹ ọ ṣ and draws Hausa's ɓ ɗ ƙ distinctly.

use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

use crate::{Error, Result};

const TEMPLATE: &str = include_str!("../templates/paper.typ");
const FONTS: [&[u8]; 2] = [
    include_bytes!("../fonts/Andika-Regular.ttf"),
    include_bytes!("../fonts/Andika-Bold.ttf"),
];

struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = FONTS
            .iter()
            .flat_map(|bytes| Font::iter(Bytes::new(*bytes)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// One paper being typeset: the template and its data.
struct Paper {
    main: Source,
    data: Bytes,
    today: Datetime,
}

fn id(name: &str) -> FileId {
    let path = VirtualPath::new(name).expect("a fixed file name");
    FileId::new(RootedPath::new(VirtualRoot::Project, path))
}

impl World for Paper {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id.get().vpath().get_without_slash() == "data.json" {
            Ok(self.data.clone())
        } else {
            Err(not_found(id))
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn not_found(id: FileId) -> FileError {
    FileError::NotFound(id.get().vpath().get_without_slash().into())
}

/// The PDF of the template over `data` (its JSON), dated `today`.
pub fn pdf(data: Vec<u8>, today: time::Date) -> Result<Vec<u8>> {
    let paper = Paper {
        main: Source::new(id("paper.typ"), TEMPLATE.to_string()),
        data: Bytes::new(data),
        today: Datetime::from_ymd(today.year(), today.month().into(), today.day())
            .ok_or_else(|| Error::Typeset("today is not a date".into()))?,
    };
    let document = typst::compile::<PagedDocument>(&paper)
        .output
        .map_err(|errors| Error::Typeset(messages(errors.iter().map(|e| e.message.as_str()))))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default())
        .map_err(|errors| Error::Typeset(messages(errors.iter().map(|e| e.message.as_str()))))
}

fn messages<'a>(messages: impl Iterator<Item = &'a str>) -> String {
    messages.collect::<Vec<_>>().join("; ")
}
