//! Citizens Connect domain core: records, validation and lifecycle rules. No IO.
//!
//! Everything a front end types arrives here as text and leaves as a checked value
//! ("parse, don't validate"): ids, places, phones, reference codes. Time arrives through
//! [`clock::Clock`]; randomness through an `rng` argument, so tests control both.

pub mod agency;
pub mod answers;
pub mod article;
pub mod calendar;
pub mod capture;
pub mod charts;
pub mod clock;
pub mod document;
pub mod duplicates;
pub mod error;
pub mod figures;
pub mod geo;
pub mod grievance;
pub mod identity;
pub mod ids;
pub mod lifecycle;
pub mod milestones;
pub mod phone;
pub mod reference;
pub mod routing;
pub mod rulebook;
pub mod seed;
pub mod session;
pub mod spreadsheet;
pub mod taxonomy;
pub mod text;
mod text_enum;
pub mod untrusted;
mod window_types;

pub use error::Error;
