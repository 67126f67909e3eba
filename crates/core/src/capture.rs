//! A grievance as it comes in, and the one check that makes it a record.
//!
//! [`GrievanceInput`] is the one input shape: the window's form (generated TypeScript), the
//! command line (clap flattens it, with the `clap` feature), a CSV row (its field names are the
//! columns), the public report page and the SMS desk all fill it. [`Grievance::capture`] is the
//! one check: every field parsed, every rule said in a volunteer's words, the identity sealed
//! where it must be.

use std::collections::BTreeMap;

use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::clock::Day;
use crate::error::{Error, Result};
use crate::geo::Lga;
use crate::grievance::{
    clean, required_text, AgeBand, Channel, Consent, Gender, Gps, Grievance, Intake, Kind, Place,
    Priority, Reporter, Stamp,
};
use crate::identity::{OrgPublicKey, ReporterIdentity};
use crate::ids::{AgencyId, GrievanceId, SessionId};
use crate::lifecycle::{Status, StatusChange};
use crate::phone::Phone;
use crate::taxonomy;
use crate::text::refuse_controls;

/// Most characters of a title.
pub const MAX_TITLE: usize = 200;
/// Most characters of a citizen's account.
pub const MAX_NARRATIVE: usize = 20_000;

/// A grievance as typed on a form, a command line or a CSV row, or as the public face takes it
/// in: text as given, checked only by [`Grievance::capture`]. Field names are the CSV column
/// names.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ts_rs::TS)]
#[cfg_attr(feature = "clap", derive(clap::Args))]
#[ts(optional_fields = nullable)]
#[serde(default)]
pub struct GrievanceInput {
    /// complaint, corruption_report, feedback, inquiry, commendation.
    #[cfg_attr(feature = "clap", arg(long, default_value = "complaint"))]
    pub kind: String,
    /// Category (passports, policing, roads, power, water, health, education, land,
    /// elections, taxes, welfare, other).
    #[cfg_attr(feature = "clap", arg(long))]
    pub category: String,
    /// Subcategory slug.
    #[cfg_attr(feature = "clap", arg(long))]
    pub subcategory: Option<String>,
    /// State name or code (Kano or KN).
    #[cfg_attr(feature = "clap", arg(long))]
    pub state: String,
    /// LGA.
    #[cfg_attr(feature = "clap", arg(long))]
    pub lga: String,
    /// Ward or community.
    #[cfg_attr(feature = "clap", arg(long))]
    pub ward: Option<String>,
    /// Address.
    #[cfg_attr(feature = "clap", arg(long))]
    pub address: Option<String>,
    /// GPS latitude.
    #[cfg_attr(feature = "clap", arg(skip))]
    pub lat: Option<f64>,
    /// GPS longitude.
    #[cfg_attr(feature = "clap", arg(skip))]
    pub lon: Option<f64>,
    /// Title.
    #[cfg_attr(feature = "clap", arg(long))]
    pub title: String,
    /// Narrative.
    #[cfg_attr(feature = "clap", arg(long, default_value = ""))]
    pub narrative: String,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "clap", arg(long))]
    pub occurred_on: Option<String>,
    /// How it reached us.
    #[cfg_attr(feature = "clap", arg(long))]
    pub channel: Option<String>,
    /// low, normal, high, urgent.
    #[cfg_attr(feature = "clap", arg(long))]
    pub priority: Option<String>,
    /// Agency short name (see `citizens agency list`).
    #[cfg_attr(feature = "clap", arg(long))]
    pub agency: Option<String>,
    /// Why that agency.
    #[cfg_attr(feature = "clap", arg(long))]
    pub routing_reason: Option<String>,
    /// Session id.
    #[cfg_attr(feature = "clap", arg(long))]
    pub session: Option<String>,
    /// Paper form number.
    #[cfg_attr(feature = "clap", arg(long))]
    pub form_number: Option<String>,
    /// Reporter's name.
    #[cfg_attr(feature = "clap", arg(long))]
    pub reporter_name: Option<String>,
    /// Reporter's phone.
    #[cfg_attr(feature = "clap", arg(long))]
    pub reporter_phone: Option<String>,
    /// female, male, other.
    #[cfg_attr(feature = "clap", arg(long))]
    pub reporter_gender: Option<String>,
    /// under_18, 18_35, 36_60, over_60.
    #[cfg_attr(feature = "clap", arg(long))]
    pub reporter_age_band: Option<String>,
    /// yes or no: whether the reporter lives with a disability, if they say.
    #[cfg_attr(feature = "clap", arg(long, value_parser = yes_or_no))]
    pub reporter_disability: Option<bool>,
    /// Stays anonymous.
    #[cfg_attr(feature = "clap", arg(long))]
    pub anonymous: bool,
    /// Asks for the identity to be sealed.
    #[cfg_attr(feature = "clap", arg(long = "seal"))]
    pub seal_identity: bool,
    /// Consent: purpose explained.
    #[cfg_attr(feature = "clap", arg(long = "consent-explained"))]
    pub consent_purpose_explained: bool,
    /// Consent: may share with the agency.
    #[cfg_attr(feature = "clap", arg(long = "consent-share"))]
    pub consent_share_with_agency: bool,
    /// Consent: may contact.
    #[cfg_attr(feature = "clap", arg(long = "consent-contact"))]
    pub consent_may_contact: bool,
}

/// `yes` or `no`, as the command line takes a reporter's answer.
#[cfg(feature = "clap")]
fn yes_or_no(word: &str) -> std::result::Result<bool, String> {
    match word {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("say yes or no".into()),
    }
}

/// What a capture links to that its text cannot say alone, resolved by whoever holds those
/// records: the agency its short name names, the session its id names (both checked to
/// exist), and how the public face took it in (none: a volunteer captured it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Links {
    /// The agency [`GrievanceInput::agency`] names.
    pub agency: Option<AgencyId>,
    /// The session [`GrievanceInput::session`] names.
    pub session: Option<SessionId>,
    /// The public face's way in.
    pub intake: Option<Intake>,
}

/// Parse an optional field: blank is none.
pub fn optional<T>(
    value: &Option<String>,
    parse: impl FnOnce(&str) -> Result<T>,
) -> Result<Option<T>> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Ok(Some(parse(v)?)),
        None => Ok(None),
    }
}

/// Nigeria lies within 4°–14° N and 2.5°–15° E: a position outside it is a slip (latitude and
/// longitude swapped, a sign lost), said so before it is stored.
fn gps(lat: Option<f64>, lon: Option<f64>) -> Result<Option<Gps>> {
    match (lat, lon) {
        (Some(lat), Some(lon)) if (3.5..=14.5).contains(&lat) && (2.5..=15.0).contains(&lon) => {
            Ok(Some(Gps { lat, lon }))
        }
        (Some(lat), Some(lon)) => Err(Error::invalid(
            "GPS",
            format!(
                "{lat},{lon} is outside Nigeria: give latitude first, then longitude, in decimal degrees (e.g. 12.0022,8.5920 in Kano)"
            ),
        )),
        (None, None) => Ok(None),
        _ => Err(Error::invalid(
            "GPS",
            "give both latitude and longitude, as decimal degrees",
        )),
    }
}

impl Grievance {
    /// Check `input` and build a new case from it, without its reference: whoever files it
    /// numbers it (a laptop from its device's sequence, the intake desk from its own), so a
    /// batch can be checked whole before anything is numbered or stored. Nothing may carry a
    /// control character (a title that rewrites the terminal that lists it); line breaks only
    /// in the account. Corruption reports, and reporters who ask, get their name and phone
    /// sealed to the organisation key; anonymous reporters keep neither.
    pub fn capture(
        input: &GrievanceInput,
        links: Links,
        stamp: Stamp,
        org_key: &OrgPublicKey,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Grievance> {
        refuse_controls("title", &input.title, false)?;
        refuse_controls("narrative", &input.narrative, true)?;
        for (field, text) in [
            ("ward", &input.ward),
            ("address", &input.address),
            ("reporter's name", &input.reporter_name),
            ("form number", &input.form_number),
            ("routing reason", &input.routing_reason),
        ] {
            if let Some(text) = text {
                refuse_controls(field, text, false)?;
            }
        }
        let kind = match input.kind.trim() {
            "" => Kind::Complaint,
            text => Kind::parse(text)?,
        };
        let subcategory = clean(input.subcategory.clone());
        let category = taxonomy::check(&input.category, subcategory.as_deref())?;
        let lga = Lga::parse(&input.state, &input.lga)?;
        let place = Place::new(
            lga,
            input.ward.clone(),
            input.address.clone(),
            gps(input.lat, input.lon)?,
        );
        let title = required_text("title", &input.title, MAX_TITLE)?;
        let narrative = input.narrative.trim().to_string();
        if narrative.chars().count() > MAX_NARRATIVE {
            return Err(Error::invalid(
                "narrative",
                "is longer than 20,000 characters",
            ));
        }
        let identity = ReporterIdentity {
            name: clean(input.reporter_name.clone()),
            phone: optional(&input.reporter_phone, Phone::parse)?.map(|p| p.as_str().to_string()),
        };
        if input.anonymous && !identity.is_empty() {
            return Err(Error::invalid(
                "reporter",
                "an anonymous reporter has no name or phone; remove them or untick anonymous",
            ));
        }
        if !identity.is_empty() && !input.consent_purpose_explained {
            return Err(Error::invalid(
                "consent",
                "explain why we collect their details and tick 'purpose explained' before recording a name or phone",
            ));
        }
        let must_seal = kind == Kind::CorruptionReport || input.seal_identity;
        let (name, phone, sealed) = if identity.is_empty() {
            (None, None, None)
        } else if must_seal {
            (None, None, Some(org_key.seal(&identity, rng)?))
        } else {
            (identity.name, identity.phone, None)
        };
        Ok(Grievance {
            id: GrievanceId::generate(stamp.at, rng),
            reference: String::new(),
            kind,
            category: category.slug.to_string(),
            subcategory: subcategory.map(|s| s.to_ascii_lowercase().replace([' ', '-'], "_")),
            agency: links.agency,
            routing_reason: clean(input.routing_reason.clone()),
            place,
            title,
            narrative,
            occurred_on: optional(&input.occurred_on, |t| Day::parse("occurred on", t))?,
            channel: optional(&input.channel, Channel::parse)?.unwrap_or(Channel::Other),
            intake: links.intake,
            reporter: Reporter {
                name,
                phone,
                sealed,
                gender: optional(&input.reporter_gender, Gender::parse)?,
                age_band: optional(&input.reporter_age_band, AgeBand::parse)?,
                disability: input.reporter_disability,
                anonymous: input.anonymous,
            },
            consent: Consent {
                purpose_explained: input.consent_purpose_explained,
                share_with_agency: input.consent_share_with_agency,
                may_contact: input.consent_may_contact && !input.anonymous,
                recorded_by: stamp.by.clone(),
                recorded_at: stamp.at,
            },
            priority: optional(&input.priority, Priority::parse)?.unwrap_or(Priority::Normal),
            assignee: None,
            session: links.session,
            form_number: clean(input.form_number.clone()),
            duplicate_of: None,
            merged_into: None,
            created_at: stamp.at,
            created_by: stamp.by.clone(),
            status_history: vec![StatusChange {
                id: stamp.id,
                after: Vec::new(),
                to: Status::New,
                at: stamp.at,
                by: stamp.by,
                reason: None,
            }],
            timeline: Vec::new(),
            attachments: Vec::new(),
            actors: BTreeMap::new(),
        })
    }
}
