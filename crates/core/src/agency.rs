//! The agency directory: who does what, for how much, and whom to escalate to.

use autosurgeon::{Hydrate, Reconcile};
use serde::Deserialize;

use crate::ids::AgencyId;
use crate::text_enum::text_enum;

text_enum!(
    /// Tier of government.
    Level, "level", {
        /// Federal.
        Federal => "federal",
        /// State.
        State => "state",
        /// Local government.
        Lga => "lga",
    }
);

/// A service the agency offers the public.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, Deserialize, ts_rs::TS)]
pub struct Service {
    /// Name.
    pub name: String,
    /// Official fee as published, e.g. "₦50,000 (32 pages, 5 years)"; `None` when free or unknown.
    pub official_fee: Option<String>,
    /// Documents the citizen must bring.
    pub documents: Vec<String>,
    /// Normal turnaround, e.g. "6 weeks".
    pub turnaround: Option<String>,
    /// Where to apply.
    pub where_to_apply: Option<String>,
}

/// A way to reach the agency.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, Deserialize, ts_rs::TS)]
pub struct Contact {
    /// phone, email, web, address, social.
    pub channel: String,
    /// The number, address or handle.
    pub value: String,
}

/// One office on the escalation ladder and how many days it has to act.
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, Deserialize, ts_rs::TS)]
pub struct LadderStep {
    /// The office, e.g. "Passport Control Officer".
    pub office: String,
    /// Days allowed at this step.
    pub sla_days: u64,
}

/// An agency (one Automerge document).
#[derive(Debug, Clone, PartialEq, Reconcile, Hydrate, serde::Serialize, ts_rs::TS)]
pub struct Agency {
    /// Id (deterministic for shipped agencies).
    pub id: AgencyId,
    /// Short name used on the command line, e.g. `NIS`.
    pub short_name: String,
    /// Full name.
    pub name: String,
    /// Tier.
    pub level: Level,
    /// Short name of the parent body, if any.
    pub parent: Option<String>,
    /// State code for state and LGA bodies.
    pub state: Option<String>,
    /// What it is responsible for.
    pub mandate: String,
    /// Categories it handles (taxonomy slugs).
    pub categories: Vec<String>,
    /// Services.
    pub services: Vec<Service>,
    /// Contacts.
    pub contacts: Vec<Contact>,
    /// Escalation ladder, first office first.
    pub ladder: Vec<LadderStep>,
}
