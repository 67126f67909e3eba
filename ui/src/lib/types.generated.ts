// Generated from the Rust types by src-tauri/src/window_types.rs: do not edit.
// CITIZENS_WRITE_TYPES=1 cargo nextest run --workspace -E 'test(window_types)' rewrites it.

export type CommitmentStatus = "open" | "kept" | "partly_kept" | "broken";

export type Level = "federal" | "state" | "lga";

export type Actor = { 
/**
 * The user's name as entered in the profile.
 */
user: string, 
/**
 * The device install's name.
 */
device: string, 
/**
 * For an agency officer's entry made on the agency desk: the agency's short name (only the
 * server writes such entries; a device's push adding one is refused).
 */
agency: string | null, };

export type Attachment = { 
/**
 * SHA-256 of the content, hex.
 */
sha256: string, 
/**
 * Original file name (display only; never used as a path).
 */
file_name: string, 
/**
 * Media type.
 */
media_type: string, 
/**
 * Size in bytes.
 */
size: number, 
/**
 * When added.
 */
added_at: number, 
/**
 * Who added it.
 */
by: Actor, };

export type Gps = { 
/**
 * Latitude.
 */
lat: number, 
/**
 * Longitude.
 */
lon: number, };

export type Place = { 
/**
 * State code, e.g. `KN`.
 */
state: string, 
/**
 * LGA, official spelling.
 */
lga: string, 
/**
 * Ward or community.
 */
ward: string | null, 
/**
 * Free-text address.
 */
address: string | null, 
/**
 * Optional GPS.
 */
gps: Gps | null, };

export type LadderStep = { 
/**
 * The office, e.g. "Passport Control Officer".
 */
office: string, 
/**
 * Days allowed at this step.
 */
sla_days: number, };

export type Service = { 
/**
 * Name.
 */
name: string, 
/**
 * Official fee as published, e.g. "₦50,000 (32 pages, 5 years)"; `None` when free or unknown.
 */
official_fee: string | null, 
/**
 * Documents the citizen must bring.
 */
documents: Array<string>, 
/**
 * Normal turnaround, e.g. "6 weeks".
 */
turnaround: string | null, 
/**
 * Where to apply.
 */
where_to_apply: string | null, };

export type Contact = { 
/**
 * phone, email, web, address, social.
 */
channel: string, 
/**
 * The number, address or handle.
 */
value: string, };

export type Agency = { 
/**
 * Id (deterministic for shipped agencies).
 */
id: string, 
/**
 * Short name used on the command line, e.g. `NIS`.
 */
short_name: string, 
/**
 * Full name.
 */
name: string, 
/**
 * Tier.
 */
level: Level, 
/**
 * Short name of the parent body, if any.
 */
parent: string | null, 
/**
 * State code for state and LGA bodies.
 */
state: string | null, 
/**
 * What it is responsible for.
 */
mandate: string, 
/**
 * Categories it handles (taxonomy slugs).
 */
categories: Array<string>, 
/**
 * Services.
 */
services: Array<Service>, 
/**
 * Contacts.
 */
contacts: Array<Contact>, 
/**
 * Escalation ladder, first office first.
 */
ladder: Array<LadderStep>, };

export type Suggestion = { 
/**
 * Agency short name.
 */
agency: string, 
/**
 * The kind the rule is about, if any.
 */
kind: string | null, 
/**
 * The category the rule is about, if any.
 */
category: string | null, 
/**
 * The state the rule matched on, if it names states.
 */
state: string | null, 
/**
 * The reason in English words (kept with the case as its routing reason).
 */
reason: string, };

export type Attendance = { 
/**
 * Everyone.
 */
total: number, 
/**
 * Women.
 */
women: number, 
/**
 * Men.
 */
men: number, 
/**
 * Persons with disabilities.
 */
pwd: number, };

export type CommitmentUpdate = { 
/**
 * Entry id.
 */
id: string, 
/**
 * The standing it was given.
 */
status: CommitmentStatus, 
/**
 * What shows it (a visit, a photo, a letter).
 */
evidence: string, 
/**
 * When.
 */
at: number, 
/**
 * Who.
 */
by: Actor, };

export type Commitment = { 
/**
 * Entry id.
 */
id: string, 
/**
 * The official who promised.
 */
official: string, 
/**
 * Their office.
 */
office: string, 
/**
 * Their agency, if in the directory.
 */
agency: string | null, 
/**
 * What was promised.
 */
promise: string, 
/**
 * By when.
 */
due: string | null, 
/**
 * Where it stands.
 */
status: CommitmentStatus, 
/**
 * Recorded when.
 */
at: number, 
/**
 * Recorded by.
 */
by: Actor, 
/**
 * Each time its standing was judged, with the evidence, oldest first.
 */
updates: Array<CommitmentUpdate>, };

export type Representative = { 
/**
 * Entry id.
 */
id: string, 
/**
 * Name.
 */
name: string, 
/**
 * Office held.
 */
office: string, 
/**
 * Agency, if in the directory.
 */
agency: string | null, };

export type TownHallSession = { 
/**
 * Id.
 */
id: string, 
/**
 * Title.
 */
title: string, 
/**
 * Day held.
 */
date: string, 
/**
 * Venue.
 */
venue: string, 
/**
 * Where.
 */
place: Place, 
/**
 * Organisers.
 */
organisers: string | null, 
/**
 * Agenda.
 */
agenda: string | null, 
/**
 * Minutes.
 */
minutes: string | null, 
/**
 * Head counts.
 */
attendance: Attendance, 
/**
 * Officials present.
 */
representatives: Array<Representative>, 
/**
 * Promises made.
 */
commitments: Array<Commitment>, 
/**
 * Cases captured at the session.
 */
grievances: Array<string>, 
/**
 * When created.
 */
created_at: number, 
/**
 * Who created it.
 */
created_by: Actor, };

export type GrievanceRow = { 
/**
 * Id.
 */
id: string, 
/**
 * Reference code.
 */
reference: string, 
/**
 * Kind.
 */
kind: string, 
/**
 * Category.
 */
category: string, 
/**
 * Agency short name.
 */
agency: string | null, 
/**
 * State code.
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Title.
 */
title: string, 
/**
 * Status.
 */
status: string, 
/**
 * Devices disagree on the status.
 */
conflict: boolean, 
/**
 * Priority.
 */
priority: string, 
/**
 * Assignee.
 */
assignee: string | null, 
/**
 * Captured at (ms since epoch).
 */
created_at: number, 
/**
 * Due date of the office now holding it.
 */
sla_due: string | null, 
/**
 * Reporter identity sealed.
 */
sealed: boolean, 
/**
 * Reporter anonymous.
 */
anonymous: boolean, };

export type ListPage = { 
/**
 * The rows.
 */
rows: Array<GrievanceRow>, 
/**
 * Total matches.
 */
total: number, };

export type Filter = { 
/**
 * Words that must all occur (full-text search; the last word also as a prefix).
 */
text?: string | null, 
/**
 * Status word.
 */
status?: string | null, 
/**
 * Kind word.
 */
kind?: string | null, 
/**
 * Category slug.
 */
category?: string | null, 
/**
 * Agency id.
 */
agency_id?: string | null, 
/**
 * State code.
 */
state?: string | null, 
/**
 * LGA name.
 */
lga?: string | null, 
/**
 * Assignee.
 */
assignee?: string | null, 
/**
 * Session id.
 */
session_id?: string | null, 
/**
 * Captured at or after (ms).
 */
from?: number | null, 
/**
 * Captured before (ms).
 */
to?: number | null, 
/**
 * Due before this day (`YYYY-MM-DD`): the overdue queue.
 */
due_before?: string | null, 
/**
 * Only cases where devices disagree on the status.
 */
conflicts_only?: boolean, 
/**
 * Only cases someone still has to act on (not resolved or finished).
 */
open_only?: boolean, 
/**
 * Only the triage queue: cases the public face took in that nobody has looked at yet.
 */
triage?: boolean, 
/**
 * Only the cases the organisation took on: leaves out the public's reports still in the
 * triage queue or turned away there (what the public figures count).
 */
taken_on?: boolean, };

export type SessionRow = { 
/**
 * Id.
 */
id: string, 
/**
 * Title.
 */
title: string, 
/**
 * Date.
 */
date: string, 
/**
 * Venue.
 */
venue: string, 
/**
 * State code.
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Attendance.
 */
attendance: number, 
/**
 * Cases captured there.
 */
grievances: number, };

export type CommitmentRow = { 
/**
 * Commitment id.
 */
id: string, 
/**
 * Its session.
 */
session_id: string, 
/**
 * The session's title.
 */
session_title: string, 
/**
 * Agency short name, if given.
 */
agency: string | null, 
/**
 * Who promised.
 */
official: string, 
/**
 * Their office.
 */
office: string, 
/**
 * What.
 */
promise: string, 
/**
 * By when.
 */
due: string | null, 
/**
 * Open, kept, partly kept or broken.
 */
status: string, };

export type AgencyRow = { 
/**
 * Id.
 */
id: string, 
/**
 * Short name.
 */
short_name: string, 
/**
 * Full name.
 */
name: string, 
/**
 * Level.
 */
level: string, 
/**
 * State code for state bodies.
 */
state: string | null, };

export type Workload = { 
/**
 * The case worker.
 */
assignee: string, 
/**
 * Open cases assigned to them.
 */
open: number, 
/**
 * Of those, past their due date.
 */
overdue: number, };

export type DuplicatePair = { 
/**
 * The case that arrived later.
 */
case: GrievanceRow, 
/**
 * The case it looks like.
 */
other: GrievanceRow, 
/**
 * How alike (see `citizens_core::duplicates`).
 */
score: number, 
/**
 * Share of weighted words in common, 0–1.
 */
words: number, 
/**
 * Days between them.
 */
days_apart: number, 
/**
 * What they share (`similar_words`, `same_phone`, …).
 */
reasons: Array<string>, };

export type SetAside = { 
/**
 * The record.
 */
doc_id: string, 
/**
 * Its kind.
 */
kind: string, 
/**
 * Its reference code, for a case.
 */
reference: string | null, 
/**
 * Changes waiting.
 */
changes: number, 
/**
 * The server's code (a `citizens_protocol::Refusal` word).
 */
code: string, 
/**
 * The server's words.
 */
reason: string, };

export type HeldBack = { 
/**
 * The record.
 */
doc_id: string, 
/**
 * Its kind.
 */
kind: string, 
/**
 * Why, in plain words.
 */
reason: string, };

export type Days = { 
/**
 * The median (the mean of the middle two for an even number of cases).
 */
median: number | null, 
/**
 * The 90th percentile (nearest rank: the smallest value at least 90% of cases reach).
 */
p90: number | null, 
/**
 * The cases behind it.
 */
cases: number, };

export type AgencyPerformance = { 
/**
 * Agency id.
 */
agency_id: string, 
/**
 * Short name, e.g. `KEDCO`.
 */
short_name: string, 
/**
 * Full name.
 */
name: string, 
/**
 * Federal, state or local.
 */
level: string, 
/**
 * Cases routed to it.
 */
received: number, 
/**
 * Of those, sent to it.
 */
forwarded: number, 
/**
 * Of those forwarded, acknowledged by it.
 */
acknowledged: number, 
/**
 * Of those acknowledged, acknowledged by the agency itself on its desk.
 */
confirmed: number, 
/**
 * Days from forwarding to acknowledgement.
 */
days_to_acknowledge: Days, 
/**
 * Of those forwarded, answered by it.
 */
answered: number, 
/**
 * Of those received, resolved or closed now.
 */
resolved: number, 
/**
 * Days from capture to resolution.
 */
days_to_resolve: Days, 
/**
 * Days from forwarding to resolution (resolved cases that were forwarded).
 */
days_to_resolve_from_forwarding: Days, 
/**
 * Cases someone still has to act on.
 */
open: number, 
/**
 * Of those open, past the due date of the office holding them.
 */
overdue: number, 
/**
 * Cases moved up its ladder at least once.
 */
escalated: number, 
/**
 * Cases reopened after the citizen said on a call-back it was not solved.
 */
reopened: number, };

export type Count = { 
/**
 * The group, e.g. `2026-11`.
 */
key: string, 
/**
 * Within it, e.g. a status (empty when the group has one level).
 */
within: string, 
/**
 * Cases.
 */
cases: number, };

export type Trends = { 
/**
 * Cases captured per month (WAT, `YYYY-MM`) by status now.
 */
by_month_status: Array<Count>, 
/**
 * Cases captured per month by category.
 */
by_month_category: Array<Count>, 
/**
 * Cases per state.
 */
by_state: Array<Count>, 
/**
 * Who reports: `gender`, `age_band`, `disability` (within: the answer, or `not_given`).
 */
reporters: Array<Count>, 
/**
 * Commitments made at town halls per agency short name, by standing (all, not filtered).
 */
commitments: Array<Count>, };

export type TimelineEntry = { 
/**
 * When (RFC 3339).
 */
at: string, 
/**
 * Who.
 */
user: string, 
/**
 * On which device.
 */
device: string, 
/**
 * For an entry an agency's officer made on the agency desk: the agency's short name.
 */
agency: string | null, 
/**
 * When (ms since the epoch), for display in the reader's language.
 */
millis: number, 
/**
 * What kind of entry: `status`, `note`, `forwarded`, `reply`, `escalated`, `assigned`,
 * `unassigned`, `acknowledged`, `callback_confirmed`, `callback_not_resolved`,
 * `question_for_reporter`, `agency_declined`, … — the window
 * shows it in the reader's language with `params`.
 */
kind: string, 
/**
 * The entry's details by name (`to`, `reason`, `text`, `agency`, `office`, …).
 */
params: { [key in string]: string }, 
/**
 * What happened, in English words.
 */
what: string, 
/**
 * The merged case this entry comes from (its reference), if not this case.
 */
from: string | null, };

export type MergedCase = { 
/**
 * Reference code.
 */
reference: string, 
/**
 * Title.
 */
title: string, 
/**
 * How it reached us.
 */
channel: string, 
/**
 * Captured (ms since the epoch).
 */
created_at: number, 
/**
 * By whom.
 */
created_by: string, 
/**
 * Its reporter agreed to sharing with the agency.
 */
share_with_agency: boolean, 
/**
 * Its reporter may be contacted.
 */
may_contact: boolean, 
/**
 * Its reporter's identity is sealed.
 */
sealed: boolean, 
/**
 * Its reporter is anonymous.
 */
anonymous: boolean, };

export type HistoryEntry = { 
/**
 * When (ms since the epoch, to the second).
 */
millis: number, 
/**
 * Who, when their laptop is known to this record.
 */
user: string | null, 
/**
 * On which laptop.
 */
device: string | null, 
/**
 * This change created the case.
 */
created: boolean, 
/**
 * The case's fields it changed (`status_history`, `timeline`, `assignee`, …).
 */
fields: Array<string>, };

export type CaseRow = { 
/**
 * Reference code.
 */
reference: string, 
/**
 * Id.
 */
id: string, 
/**
 * complaint, corruption_report, feedback, inquiry, commendation.
 */
kind: string, 
/**
 * Category slug.
 */
category: string, 
/**
 * Subcategory slug.
 */
subcategory: string | null, 
/**
 * State.
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Ward or community.
 */
ward: string | null, 
/**
 * Title.
 */
title: string, 
/**
 * Narrative.
 */
narrative: string, 
/**
 * `YYYY-MM-DD`.
 */
occurred_on: string | null, 
/**
 * How it reached us.
 */
channel: string, 
/**
 * low, normal, high, urgent.
 */
priority: string, 
/**
 * Status.
 */
status: string, 
/**
 * Devices disagree about the status.
 */
status_conflict: boolean, 
/**
 * Agency short name.
 */
agency: string | null, 
/**
 * Office now holding it (ladder step).
 */
current_office: string | null, 
/**
 * Due date of that office.
 */
sla_due: string | null, 
/**
 * Volunteer following it up.
 */
assignee: string | null, 
/**
 * Paper form number.
 */
form_number: string | null, 
/**
 * When it was captured (RFC 3339).
 */
created_at: string, 
/**
 * Who captured it.
 */
created_by: string, 
/**
 * The reporter's identity is sealed.
 */
identity_sealed: boolean, 
/**
 * The reporter stays anonymous.
 */
anonymous: boolean, 
/**
 * A name or phone is on record (sealed or not).
 */
identified: boolean, 
/**
 * female, male, other.
 */
reporter_gender: string | null, 
/**
 * under_18, 18_35, 36_60, over_60.
 */
reporter_age_band: string | null, 
/**
 * Lives with a disability, if they said.
 */
reporter_disability: boolean | null, 
/**
 * Consent: may share with the agency.
 */
consent_share_with_agency: boolean, 
/**
 * Consent: may contact.
 */
consent_may_contact: boolean, 
/**
 * How the public face took it in (`web`, `sms`, `whatsapp`, `open311`).
 */
intake: string | null, 
/**
 * In the triage queue: the public's, and nobody has looked at it yet.
 */
awaiting_triage: boolean, 
/**
 * Reference of the case this one duplicates.
 */
duplicate_of: string | null, 
/**
 * This case was merged into that one.
 */
merged_into: boolean, 
/**
 * Notes written.
 */
notes: number, 
/**
 * Entries on its timeline.
 */
timeline_events: number, };

export type CaseView = { 
/**
 * Competing statuses when devices disagree.
 */
conflict: Array<string>, 
/**
 * Timeline (with the entries of cases merged into this one).
 */
timeline: Array<TimelineEntry>, 
/**
 * Cases merged into this one.
 */
merged: Array<MergedCase>, 
/**
 * Photos and files attached.
 */
attachments: Array<Attachment>, 
/**
 * Statuses it may move to now (none while devices disagree).
 */
allowed_next: Array<string>, 
/**
 * The agency's ladder of offices, lowest first.
 */
ladder: Array<LadderStep>, 
/**
 * Shown on its agency's desk once forwarded (the organisation may keep it off).
 */
on_agency_desk: boolean, 
/**
 * Reference code.
 */
reference: string, 
/**
 * Id.
 */
id: string, 
/**
 * complaint, corruption_report, feedback, inquiry, commendation.
 */
kind: string, 
/**
 * Category slug.
 */
category: string, 
/**
 * Subcategory slug.
 */
subcategory: string | null, 
/**
 * State.
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Ward or community.
 */
ward: string | null, 
/**
 * Title.
 */
title: string, 
/**
 * Narrative.
 */
narrative: string, 
/**
 * `YYYY-MM-DD`.
 */
occurred_on: string | null, 
/**
 * How it reached us.
 */
channel: string, 
/**
 * low, normal, high, urgent.
 */
priority: string, 
/**
 * Status.
 */
status: string, 
/**
 * Devices disagree about the status.
 */
status_conflict: boolean, 
/**
 * Agency short name.
 */
agency: string | null, 
/**
 * Office now holding it (ladder step).
 */
current_office: string | null, 
/**
 * Due date of that office.
 */
sla_due: string | null, 
/**
 * Volunteer following it up.
 */
assignee: string | null, 
/**
 * Paper form number.
 */
form_number: string | null, 
/**
 * When it was captured (RFC 3339).
 */
created_at: string, 
/**
 * Who captured it.
 */
created_by: string, 
/**
 * The reporter's identity is sealed.
 */
identity_sealed: boolean, 
/**
 * The reporter stays anonymous.
 */
anonymous: boolean, 
/**
 * A name or phone is on record (sealed or not).
 */
identified: boolean, 
/**
 * female, male, other.
 */
reporter_gender: string | null, 
/**
 * under_18, 18_35, 36_60, over_60.
 */
reporter_age_band: string | null, 
/**
 * Lives with a disability, if they said.
 */
reporter_disability: boolean | null, 
/**
 * Consent: may share with the agency.
 */
consent_share_with_agency: boolean, 
/**
 * Consent: may contact.
 */
consent_may_contact: boolean, 
/**
 * How the public face took it in (`web`, `sms`, `whatsapp`, `open311`).
 */
intake: string | null, 
/**
 * In the triage queue: the public's, and nobody has looked at it yet.
 */
awaiting_triage: boolean, 
/**
 * Reference of the case this one duplicates.
 */
duplicate_of: string | null, 
/**
 * This case was merged into that one.
 */
merged_into: boolean, 
/**
 * Notes written.
 */
notes: number, 
/**
 * Entries on its timeline.
 */
timeline_events: number, };

export type GrievanceInput = { 
/**
 * complaint, corruption_report, feedback, inquiry, commendation.
 */
kind: string, 
/**
 * Category (passports, policing, roads, power, water, health, education, land,
 * elections, taxes, welfare, other).
 */
category: string, 
/**
 * Subcategory slug.
 */
subcategory?: string | null, 
/**
 * State name or code (Kano or KN).
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Ward or community.
 */
ward?: string | null, 
/**
 * Address.
 */
address?: string | null, 
/**
 * GPS latitude.
 */
lat?: number | null, 
/**
 * GPS longitude.
 */
lon?: number | null, 
/**
 * Title.
 */
title: string, 
/**
 * Narrative.
 */
narrative: string, 
/**
 * `YYYY-MM-DD`.
 */
occurred_on?: string | null, 
/**
 * How it reached us.
 */
channel?: string | null, 
/**
 * low, normal, high, urgent.
 */
priority?: string | null, 
/**
 * Agency short name (see `citizens agency list`).
 */
agency?: string | null, 
/**
 * Why that agency.
 */
routing_reason?: string | null, 
/**
 * Session id.
 */
session?: string | null, 
/**
 * Paper form number.
 */
form_number?: string | null, 
/**
 * Reporter's name.
 */
reporter_name?: string | null, 
/**
 * Reporter's phone.
 */
reporter_phone?: string | null, 
/**
 * female, male, other.
 */
reporter_gender?: string | null, 
/**
 * under_18, 18_35, 36_60, over_60.
 */
reporter_age_band?: string | null, 
/**
 * yes or no: whether the reporter lives with a disability, if they say.
 */
reporter_disability?: boolean | null, 
/**
 * Stays anonymous.
 */
anonymous: boolean, 
/**
 * Asks for the identity to be sealed.
 */
seal_identity: boolean, 
/**
 * Consent: purpose explained.
 */
consent_purpose_explained: boolean, 
/**
 * Consent: may share with the agency.
 */
consent_share_with_agency: boolean, 
/**
 * Consent: may contact.
 */
consent_may_contact: boolean, };

export type ForwardInput = { 
/**
 * Agency short name.
 */
agency: string, 
/**
 * Office (default: the first office on the agency's ladder).
 */
office?: string | null, 
/**
 * letter, email, visit, phone, portal.
 */
channel: string, 
/**
 * Reference number.
 */
reference?: string | null, 
/**
 * Day sent (default: today).
 */
on?: string | null, };

export type ReplyInput = { 
/**
 * What they said.
 */
summary: string, 
/**
 * Their reference.
 */
reference?: string | null, 
/**
 * Day of the reply (default: today).
 */
on?: string | null, };

export type Home = { 
/**
 * Cases per status.
 */
counts: Array<[string, number]>, 
/**
 * Open cases assigned to me.
 */
my_queue: ListPage, 
/**
 * Cases past their due date.
 */
overdue: ListPage, 
/**
 * Resolved cases waiting for the call-back to the citizen, oldest first.
 */
call_backs: ListPage, 
/**
 * The public's reports nobody has looked at yet, oldest first.
 */
triage: ListPage, 
/**
 * Open and overdue cases per case worker, busiest first.
 */
workload: Array<Workload>, 
/**
 * Cases where devices disagree on the status.
 */
conflicts: number, 
/**
 * Suggested duplicate pairs waiting to be judged.
 */
duplicates: number, 
/**
 * Latest sessions.
 */
sessions: Array<SessionRow>, 
/**
 * Local changes not yet synced.
 */
pending_changes: number, };

export type RuleInput = { 
/**
 * Grievance kind.
 */
kind?: string | null, 
/**
 * Category slug.
 */
category?: string | null, 
/**
 * State codes or names.
 */
states?: Array<string>, 
/**
 * Agency short name.
 */
agency: string, };

export type SessionInput = { 
/**
 * Title.
 */
title: string, 
/**
 * `YYYY-MM-DD` (default: today).
 */
date?: string | null, 
/**
 * Venue.
 */
venue: string, 
/**
 * State.
 */
state: string, 
/**
 * LGA.
 */
lga: string, 
/**
 * Ward or community.
 */
ward?: string | null, 
/**
 * Organisers.
 */
organisers?: string | null, 
/**
 * Agenda.
 */
agenda?: string | null, };

export type CommitmentInput = { 
/**
 * Who promised.
 */
official: string, 
/**
 * Their office.
 */
office: string, 
/**
 * Their agency's short name.
 */
agency?: string | null, 
/**
 * What.
 */
promise: string, 
/**
 * By when, `YYYY-MM-DD`.
 */
due?: string | null, };

export type BundleImport = { 
/**
 * Records in the bundle.
 */
records: number, 
/**
 * Records new to this laptop.
 */
created: number, 
/**
 * Records that gained changes.
 */
updated: number, };

export type SyncStatus = { 
/**
 * The server, when enrolled.
 */
server: string | null, 
/**
 * Last successful sync (ms since the epoch).
 */
last_success: number | null, 
/**
 * The last failure since then: when (ms) and why, in plain words.
 */
last_error: [number, string] | null, 
/**
 * Local changes not yet on the server.
 */
pending_changes: number, 
/**
 * Attachments not yet on the server.
 */
attachments_waiting: number, 
/**
 * Records whose changes the server refused, with its reason.
 */
set_aside: Array<SetAside>, 
/**
 * Records from the server this laptop could not apply, with the reason.
 */
held_back: Array<HeldBack>, 
/**
 * When the server last took this coordinator's laptop's public figures (ms; never: none).
 */
figures_published: number | null, 
/**
 * When and why the server refused the figures since (ms, its words); none once taken.
 */
figures_refused: [number, string] | null, };

export type ReportFilter = { 
/**
 * Cases captured on or after this day (`YYYY-MM-DD`).
 */
from?: string | null, 
/**
 * Cases captured on or before this day.
 */
to?: string | null, 
/**
 * State name or code.
 */
state?: string | null, 
/**
 * LGA name.
 */
lga?: string | null, 
/**
 * Category slug.
 */
category?: string | null, 
/**
 * Kind word.
 */
kind?: string | null, 
/**
 * Agency short name.
 */
agency?: string | null, };

export type ChartWords = { 
/**
 * Title of the cases-per-month chart.
 */
by_month: string, 
/**
 * Title of the cases-by-category chart.
 */
by_category: string, 
/**
 * Title of the cases-by-state chart.
 */
by_state: string, 
/**
 * Legend: cases someone still has to act on.
 */
open: string, 
/**
 * Legend: resolved or closed.
 */
resolved: string, 
/**
 * Legend: ended otherwise (not actionable, withdrawn).
 */
ended: string, 
/**
 * Category slug → its name.
 */
categories: { [key in string]: string }, };

export type Month = { 
/**
 * `YYYY-MM` (WAT).
 */
month: string, 
/**
 * Someone still has to act on them.
 */
open: number, 
/**
 * Resolved or closed.
 */
resolved: number, 
/**
 * Ended otherwise: not actionable, withdrawn.
 */
ended: number, };

export type Charts = { 
/**
 * Cases captured per month, stacked open / resolved / ended otherwise.
 */
by_month: string, 
/**
 * Cases per category, most first.
 */
by_category: string, 
/**
 * Cases per state, most first (the twelve with most).
 */
by_state: string, };

export type Dashboard = { 
/**
 * Per agency, most cases first.
 */
performance: Array<AgencyPerformance>, 
/**
 * Per month, category and state; who reports (answers given by fewer than 5 reporters
 * left out, even on this screen: they are about people); commitments.
 */
trends: Trends, 
/**
 * Cases per month by where they stand now (the monthly chart's numbers).
 */
months: Array<Month>, 
/**
 * The trends drawn.
 */
charts: Charts, };

export type Live = { 
/**
 * A background sync thread is running.
 */
running: boolean, 
/**
 * A sync is in progress.
 */
syncing: boolean, 
/**
 * `pushing`, `pulled`, `retrying` or `recovering` while syncing.
 */
stage: string | null, 
/**
 * Changes sent and received in this sync so far.
 */
sent: number, 
/**
 * Changes received so far.
 */
received: number, 
/**
 * Why the thread stopped for good (revoked, not enrolled), in plain words.
 */
stopped: string | null, };

export type ErrorCode = "locked" | "not_initialised" | "already_initialised" | "wrong_passphrase" | "weak_passphrase" | "newer_schema" | "not_found" | "invalid" | "forbidden_transition" | "status_conflict" | "needs_passphrase" | "not_enrolled" | "offline" | "refused" | "not_our_server" | "insecure_server" | "damaged" | "internal";

export type Failure = { 
/**
 * What kind of failure, for the program.
 */
code: ErrorCode, 
/**
 * Plain words for the person.
 */
message: string, };

export type AppStatus = { 
/**
 * An install exists in the data folder.
 */
initialised: boolean, 
/**
 * It is unlocked.
 */
unlocked: boolean, 
/**
 * The user's name, once unlocked.
 */
user: string | null, 
/**
 * The organisation, once unlocked.
 */
organisation: string | null, 
/**
 * This laptop's name.
 */
device_name: string | null, 
/**
 * This laptop's code in reference numbers.
 */
device_code: string | null, 
/**
 * The data folder.
 */
data_dir: string, };

export type StateDto = { code: string, name: string, lgas: Array<string>, };

export type Captured = { reference: string, sealed: boolean, };

export type RuleDto = { key: string, 
/**
 * Grievance kind (`corruption_report`, …); any when absent.
 */
kind: string | null, 
/**
 * Category slug; any when absent.
 */
category: string | null, 
/**
 * State codes; any state when empty.
 */
states: Array<string>, 
/**
 * Agency short name.
 */
agency: string, 
/**
 * When a coordinator added it (0 for the shipped rules).
 */
added_at: number, };

export type RulebookDto = { rules: Array<RuleDto>, holidays: Array<[string, string]>, };

export type SessionDto = { session: TownHallSession, cases: Array<GrievanceRow>, };

export type Translation = "original" | "reviewed" | "awaiting_review" | "missing";

export type ArticleDto = { slug: string, title: string, body: string, agencies: Array<string>, translation: Translation, };

export type SyncView = { live: Live, 
/**
 * The server, when enrolled.
 */
server: string | null, 
/**
 * Last successful sync (ms since the epoch).
 */
last_success: number | null, 
/**
 * The last failure since then: when (ms) and why, in plain words.
 */
last_error: [number, string] | null, 
/**
 * Local changes not yet on the server.
 */
pending_changes: number, 
/**
 * Attachments not yet on the server.
 */
attachments_waiting: number, 
/**
 * Records whose changes the server refused, with its reason.
 */
set_aside: Array<SetAside>, 
/**
 * Records from the server this laptop could not apply, with the reason.
 */
held_back: Array<HeldBack>, 
/**
 * When the server last took this coordinator's laptop's public figures (ms; never: none).
 */
figures_published: number | null, 
/**
 * When and why the server refused the figures since (ms, its words); none once taken.
 */
figures_refused: [number, string] | null, };

export type Saved = { path: string, count: number, };

export const statuses = ["new", "triaged", "forwarded", "acknowledged", "in_progress", "resolved", "closed", "not_actionable", "duplicate", "withdrawn"] as const;
export const kinds = ["complaint", "corruption_report", "feedback", "inquiry", "commendation"] as const;
export const channels = ["town_hall", "paper_form", "walk_in", "phone", "sms", "social_media", "web", "radio", "other"] as const;
export const forwardChannels = ["letter", "email", "visit", "phone", "portal"] as const;
export const priorities = ["low", "normal", "high", "urgent"] as const;
export const genders = ["female", "male", "other"] as const;
export const ageBands = ["under_18", "18_35", "36_60", "over_60"] as const;
export const commitmentStatuses = ["open", "kept", "partly_kept", "broken"] as const;
export const duplicateReasons = ["similar_words", "same_phone", "same_form", "same_place", "same_agency", "close_dates"] as const;
export const categories = ["passports", "policing", "roads", "power", "water", "health", "education", "land", "elections", "taxes", "welfare", "other"] as const;
export const disabilityAnswers = ["yes", "no"] as const;
export const refusals = ["not_yours", "reference_data", "actor_taken", "conflicting_history", "too_large", "attachment_not_yours", "newer_release", "control_characters"] as const;
