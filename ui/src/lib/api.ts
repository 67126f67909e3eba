// The only way the window talks to the app: typed wrappers over Tauri commands.
import { invoke } from "@tauri-apps/api/core";

export interface CommandError {
  code: string;
  message: string;
}

export function isCommandError(e: unknown): e is CommandError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export interface AppStatus {
  initialised: boolean;
  unlocked: boolean;
  user: string | null;
  organisation: string | null;
  device_name: string | null;
  device_code: string | null;
  data_dir: string;
}

export interface Row {
  id: string;
  reference: string;
  kind: string;
  category: string;
  agency: string | null;
  state: string;
  lga: string;
  title: string;
  status: string;
  conflict: boolean;
  priority: string;
  assignee: string | null;
  created_at: number;
  sla_due: string | null;
  sealed: boolean;
  anonymous: boolean;
}

export interface Page {
  rows: Row[];
  total: number;
}

export interface Filter {
  text?: string;
  status?: string;
  kind?: string;
  category?: string;
  agency_id?: string;
  state?: string;
  lga?: string;
  assignee?: string;
  from?: number;
  to?: number;
  due_before?: string;
  conflicts_only?: boolean;
  open_only?: boolean;
}

export interface TimelineEntry {
  at: string;
  millis: number;
  user: string;
  device: string;
  kind: string;
  params: Record<string, string>;
  what: string;
  /** The merged case this entry comes from, if not this case. */
  from: string | null;
}

export interface MergedCase {
  reference: string;
  title: string;
  channel: string;
  created_at: number;
  created_by: string;
  share_with_agency: boolean;
  may_contact: boolean;
  sealed: boolean;
  anonymous: boolean;
}

export interface HistoryEntry {
  millis: number;
  user: string | null;
  device: string | null;
  created: boolean;
  fields: string[];
}

export interface DuplicatePair {
  case: Row;
  other: Row;
  score: number;
  words: number;
  days_apart: number;
  reasons: string[];
}

export interface Rule {
  key: string;
  kind: string | null;
  category: string | null;
  states: string[];
  agency: string;
  added_at: number;
}

export interface Rulebook {
  rules: Rule[];
  holidays: [string, string][];
}

export interface RuleInput {
  kind?: string;
  category?: string;
  states: string[];
  agency: string;
}

export interface Attachment {
  sha256: string;
  file_name: string;
  media_type: string;
  size: number;
  added_at: number;
}

export interface LadderStep {
  office: string;
  sla_days: number;
}

export interface CaseDto {
  case: {
    id: string;
    reference: string;
    status: string;
    conflict: string[];
    agency: string | null;
    current_office: string | null;
    sla_due: string | null;
    sealed: boolean;
    timeline: TimelineEntry[];
    duplicate_of: string | null;
    merged_into: boolean;
    merged: MergedCase[];
  };
  title: string;
  narrative: string;
  kind: string;
  category: string;
  subcategory: string | null;
  state: string;
  lga: string;
  ward: string | null;
  channel: string;
  priority: string;
  form_number: string | null;
  assignee: string | null;
  anonymous: boolean;
  created_at: number;
  attachments: Attachment[];
  allowed_next: string[];
  ladder: LadderStep[];
}

export interface Place {
  code: string;
  name: string;
  lgas: string[];
}

export interface GrievanceInput {
  kind: string;
  category: string;
  subcategory?: string;
  state: string;
  lga: string;
  ward?: string;
  title: string;
  narrative: string;
  occurred_on?: string;
  channel?: string;
  session?: string;
  form_number?: string;
  agency?: string;
  routing_reason?: string;
  reporter_name?: string;
  reporter_phone?: string;
  anonymous: boolean;
  seal_identity: boolean;
  consent_purpose_explained: boolean;
  consent_share_with_agency: boolean;
  consent_may_contact: boolean;
}

export interface Suggestion {
  agency: string;
  kind: string | null;
  category: string | null;
  state: string | null;
  reason: string;
}

export interface ForwardInput {
  agency: string;
  office?: string;
  channel: string;
  reference?: string;
  on?: string;
}

export interface ReplyInput {
  summary: string;
  reference?: string;
  on?: string;
}

export interface SessionRow {
  id: string;
  title: string;
  date: string;
  venue: string;
  state: string;
  lga: string;
  attendance: number;
  grievances: number;
}

export interface Attendance {
  total: number;
  women: number;
  men: number;
  pwd: number;
}

export interface Commitment {
  id: string;
  official: string;
  office: string;
  promise: string;
  due: string | null;
  status: string;
  updates: { id: string; status: string; evidence: string; at: number; by: { user: string; device: string } }[];
}

export interface CommitmentRow {
  id: string;
  session_id: string;
  session_title: string;
  agency: string | null;
  official: string;
  office: string;
  promise: string;
  due: string | null;
}

export interface Session {
  id: string;
  title: string;
  date: string;
  venue: string;
  place: { state: string; lga: string; ward: string | null };
  organisers: string | null;
  agenda: string | null;
  attendance: Attendance;
  representatives: { id: string; name: string; office: string }[];
  commitments: Commitment[];
}

export interface SessionDto {
  session: Session;
  cases: Row[];
}

export interface SessionInput {
  title: string;
  date?: string;
  venue: string;
  state: string;
  lga: string;
  ward?: string;
  organisers?: string;
  agenda?: string;
}

export interface CommitmentInput {
  official: string;
  office: string;
  agency?: string;
  promise: string;
  due?: string;
}

export interface Home {
  counts: [string, number][];
  my_queue: Page;
  overdue: Page;
  call_backs: Page;
  workload: { assignee: string; open: number; overdue: number }[];
  conflicts: number;
  duplicates: number;
  sessions: SessionRow[];
  pending_changes: number;
}

export interface AgencyRow {
  id: string;
  short_name: string;
  name: string;
  level: string;
  state: string | null;
}

export interface Agency {
  short_name: string;
  name: string;
  level: string;
  parent: string | null;
  state: string | null;
  mandate: string;
  categories: string[];
  services: { name: string; official_fee: string | null; documents: string[]; turnaround: string | null; where_to_apply: string | null }[];
  contacts: { channel: string; value: string }[];
  ladder: LadderStep[];
}

export interface Article {
  slug: string;
  title: string;
  body: string;
  agencies: string[];
}

export interface SyncView {
  server: string | null;
  last_success: number | null;
  last_error: [number, string] | null;
  pending_changes: number;
  attachments_waiting: number;
  set_aside: SetAside[];
  held_back: { doc_id: string; kind: string; reason: string }[];
  live: {
    running: boolean;
    syncing: boolean;
    stage: string | null;
    sent: number;
    received: number;
    stopped: string | null;
  };
}

/** A record whose changes the server refused; kept here and offered again at each sync. */
export interface SetAside {
  doc_id: string;
  kind: string;
  reference: string | null;
  changes: number;
  code: string;
  reason: string;
}

export interface BundleImport {
  records: number;
  created: number;
  updated: number;
}

/** A chosen file as base64, for commands that take bytes. */
export function fileBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export const api = {
  status: () => invoke<AppStatus>("app_status"),
  createProfile: (name: string, organisation: string, passphrase: string, sampleCases: number) =>
    invoke<AppStatus>("create_profile", { name, organisation, passphrase, sampleCases }),
  unlock: (passphrase: string) => invoke<AppStatus>("unlock", { passphrase }),
  changePassphrase: (old: string, next: string) => invoke<void>("change_passphrase", { old, new: next }),
  loadSample: (count: number) => invoke<number>("load_sample", { count }),
  places: () => invoke<Place[]>("places"),
  home: () => invoke<Home>("home"),
  listCases: (filter: Filter, sort: string, offset: number, limit: number) =>
    invoke<Page>("list_cases", { filter, sort, offset, limit }),
  capture: (input: GrievanceInput) => invoke<{ reference: string; sealed: boolean }>("capture", { input }),
  openCase: (reference: string) => invoke<CaseDto>("open_case", { reference }),
  changeStatus: (reference: string, to: string, reason: string | null) =>
    invoke<CaseDto>("change_status", { reference, to, reason }),
  settleStatus: (reference: string, to: string, reason: string | null) =>
    invoke<CaseDto>("settle_status", { reference, to, reason }),
  addNote: (reference: string, text: string) => invoke<CaseDto>("add_note", { reference, text }),
  forward: (reference: string, input: ForwardInput) => invoke<CaseDto>("forward", { reference, input }),
  recordReply: (reference: string, input: ReplyInput) => invoke<CaseDto>("record_reply", { reference, input }),
  escalate: (reference: string, reason: string) => invoke<CaseDto>("escalate", { reference, reason }),
  assign: (reference: string, assignee: string | null) => invoke<CaseDto>("assign", { reference, assignee }),
  suggestAgency: (kind: string, category: string, place: string) =>
    invoke<Suggestion | null>("suggest_agency", { kind, category, place }),
  acknowledge: (reference: string, on: string | null, theirReference: string | null) =>
    invoke<CaseDto>("acknowledge", { reference, on, theirReference }),
  forwardingLetter: (reference: string) => invoke<string>("forwarding_letter", { reference }),
  routeUntriaged: () => invoke<number>("route_untriaged"),
  caseHistory: (reference: string) => invoke<HistoryEntry[]>("case_history", { reference }),
  duplicateSuggestions: (reference: string | null) => invoke<DuplicatePair[]>("duplicate_suggestions", { reference }),
  markDuplicate: (copy: string, original: string, merge: boolean) => invoke<CaseDto>("mark_duplicate", { copy, original, merge }),
  undoDuplicate: (reference: string) => invoke<CaseDto>("undo_duplicate", { reference }),
  dismissDuplicate: (a: string, b: string) => invoke<void>("dismiss_duplicate", { a, b }),
  rulebook: () => invoke<Rulebook>("rulebook"),
  addRoutingRule: (input: RuleInput) => invoke<Rulebook>("add_routing_rule", { input }),
  removeRoutingRule: (key: string) => invoke<Rulebook>("remove_routing_rule", { key }),
  addHoliday: (day: string, name: string) => invoke<Rulebook>("add_holiday", { day, name }),
  removeHoliday: (day: string) => invoke<Rulebook>("remove_holiday", { day }),
  callBack: (reference: string, confirmed: boolean, note: string) =>
    invoke<CaseDto>("call_back", { reference, confirmed, note }),
  attach: (reference: string, fileName: string, base64: string) =>
    invoke<CaseDto>("attach", { reference, fileName, base64 }),
  attachment: (sha256: string) => invoke<string>("attachment", { sha256 }),
  sessions: () => invoke<SessionRow[]>("sessions"),
  session: (id: string) => invoke<SessionDto>("session", { id }),
  createSession: (input: SessionInput) => invoke<SessionDto>("create_session", { input }),
  recordAttendance: (id: string, attendance: Attendance) =>
    invoke<SessionDto>("record_attendance", { id, attendance }),
  addRepresentative: (id: string, name: string, office: string, agency: string | null) =>
    invoke<SessionDto>("add_representative", { id, name, office, agency }),
  addCommitment: (id: string, input: CommitmentInput) => invoke<SessionDto>("add_commitment", { id, input }),
  updateCommitment: (id: string, commitment: string, status: string, evidence: string) =>
    invoke<SessionDto>("update_commitment", { id, commitment, status, evidence }),
  overdueCommitments: () => invoke<CommitmentRow[]>("overdue_commitments"),
  agencies: () => invoke<AgencyRow[]>("agencies"),
  agency: (shortName: string) => invoke<Agency>("agency", { shortName }),
  articles: () => invoke<[string, string][]>("articles"),
  article: (slug: string, language: string) => invoke<Article>("article", { slug, language }),
  syncStatus: () => invoke<SyncView>("sync_status"),
  syncNow: (passphrase: string | null) => invoke<SyncView>("sync_now", { passphrase }),
  enroll: (server: string, code: string, passphrase: string) =>
    invoke<SyncView>("enroll", { server, code, passphrase }),
  exportBundle: (path: string, passphrase: string) => invoke<number>("export_bundle", { path, passphrase }),
  importBundle: (base64: string, passphrase: string) =>
    invoke<BundleImport>("import_bundle", { base64, passphrase }),
};
