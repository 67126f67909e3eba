// The only way the window talks to the app: typed wrappers over Tauri commands. The types
// are generated from the Rust ones (types.generated.ts, checked by src-tauri's window_types test).
import { invoke } from "@tauri-apps/api/core";
import type {
  AgencyRow,
  Agency,
  AppStatus,
  ArticleDto,
  Attendance,
  BundleImport,
  Captured,
  CaseView,
  ChartWords,
  CommitmentInput,
  CommitmentRow,
  Dashboard,
  DuplicatePair,
  Filter,
  ForwardInput,
  GrievanceInput,
  HistoryEntry,
  Home,
  ListPage,
  ReplyInput,
  ReportFilter,
  RuleInput,
  RulebookDto,
  Saved,
  SessionDto,
  SessionInput,
  SessionRow,
  StateDto,
  Suggestion,
  SyncView,
} from "./types.generated";

export type * from "./types.generated";

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
  places: () => invoke<StateDto[]>("places"),
  home: () => invoke<Home>("home"),
  listCases: (filter: Filter, sort: string, offset: number, limit: number) =>
    invoke<ListPage>("list_cases", { filter, sort, offset, limit }),
  capture: (input: GrievanceInput) => invoke<Captured>("capture", { input }),
  openCase: (reference: string) => invoke<CaseView>("open_case", { reference }),
  changeStatus: (reference: string, to: string, reason: string | null) =>
    invoke<CaseView>("change_status", { reference, to, reason }),
  acceptIntake: (reference: string) => invoke<CaseView>("accept_intake", { reference }),
  rejectIntake: (reference: string, why: "spam" | "abuse") => invoke<CaseView>("reject_intake", { reference, why }),
  settleStatus: (reference: string, to: string, reason: string | null) =>
    invoke<CaseView>("settle_status", { reference, to, reason }),
  addNote: (reference: string, text: string) => invoke<CaseView>("add_note", { reference, text }),
  askReporter: (reference: string, text: string) => invoke<CaseView>("ask_reporter", { reference, text }),
  forward: (reference: string, input: ForwardInput) => invoke<CaseView>("forward", { reference, input }),
  recordReply: (reference: string, input: ReplyInput) => invoke<CaseView>("record_reply", { reference, input }),
  escalate: (reference: string, reason: string) => invoke<CaseView>("escalate", { reference, reason }),
  assign: (reference: string, assignee: string | null) => invoke<CaseView>("assign", { reference, assignee }),
  suggestAgency: (kind: string, category: string, place: string) =>
    invoke<Suggestion | null>("suggest_agency", { kind, category, place }),
  acknowledge: (reference: string, on: string | null, theirReference: string | null) =>
    invoke<CaseView>("acknowledge", { reference, on, theirReference }),
  forwardingLetter: (reference: string) => invoke<string>("forwarding_letter", { reference }),
  shareWithAgencyDesk: (reference: string, shared: boolean) =>
    invoke<CaseView>("share_with_agency_desk", { reference, shared }),
  routeUntriaged: () => invoke<number>("route_untriaged"),
  caseHistory: (reference: string) => invoke<HistoryEntry[]>("case_history", { reference }),
  duplicateSuggestions: (reference: string | null) => invoke<DuplicatePair[]>("duplicate_suggestions", { reference }),
  markDuplicate: (copy: string, original: string, merge: boolean) => invoke<CaseView>("mark_duplicate", { copy, original, merge }),
  undoDuplicate: (reference: string) => invoke<CaseView>("undo_duplicate", { reference }),
  dismissDuplicate: (a: string, b: string) => invoke<void>("dismiss_duplicate", { a, b }),
  rulebook: () => invoke<RulebookDto>("rulebook"),
  addRoutingRule: (input: RuleInput) => invoke<RulebookDto>("add_routing_rule", { input }),
  removeRoutingRule: (key: string) => invoke<RulebookDto>("remove_routing_rule", { key }),
  addHoliday: (day: string, name: string) => invoke<RulebookDto>("add_holiday", { day, name }),
  removeHoliday: (day: string) => invoke<RulebookDto>("remove_holiday", { day }),
  callBack: (reference: string, confirmed: boolean, note: string) =>
    invoke<CaseView>("call_back", { reference, confirmed, note }),
  attach: (reference: string, fileName: string, base64: string) =>
    invoke<CaseView>("attach", { reference, fileName, base64 }),
  attachment: (sha256: string) => invoke<string>("attachment", { sha256 }),
  sessions: () => invoke<SessionRow[]>("sessions"),
  unusedForms: () => invoke<string[]>("unused_forms"),
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
  articles: (language: string) => invoke<[string, string][]>("articles", { language }),
  article: (slug: string, language: string) => invoke<ArticleDto>("article", { slug, language }),
  markTranslationReviewed: (slug: string, language: string) => invoke<ArticleDto>("mark_translation_reviewed", { slug, language }),
  syncStatus: () => invoke<SyncView>("sync_status"),
  syncNow: (passphrase: string | null) => invoke<SyncView>("sync_now", { passphrase }),
  publishFiguresNow: (passphrase: string | null) => invoke<SyncView>("publish_figures_now", { passphrase }),
  enroll: (server: string, code: string, passphrase: string) =>
    invoke<SyncView>("enroll", { server, code, passphrase }),
  dashboard: (filter: ReportFilter, words: ChartWords) => invoke<Dashboard>("dashboard", { filter, words }),
  exportXlsx: (filter: ReportFilter, path: string) => invoke<Saved>("export_xlsx", { filter, path }),
  saveLetter: (reference: string, path: string) => invoke<Saved>("save_letter", { reference, path }),
  saveBrief: (agency: string | null, filter: ReportFilter, lang: string, path: string) =>
    invoke<Saved>("save_brief", { agency, filter, lang, path }),
  saveKit: (session: string, forms: number, lang: string, path: string) =>
    invoke<Saved>("save_kit", { session, forms, lang, path }),
  exportBundle: (path: string, passphrase: string) => invoke<Saved>("export_bundle", { path, passphrase }),
  importBundle: (base64: string, passphrase: string) =>
    invoke<BundleImport>("import_bundle", { base64, passphrase }),
};
