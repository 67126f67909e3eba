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

export interface TimelineEntry {
  at: string;
  user: string;
  device: string;
  what: string;
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
  };
  title: string;
  narrative: string;
  kind: string;
  category: string;
  state: string;
  lga: string;
  allowed_next: string[];
}

export interface Place {
  code: string;
  name: string;
  lgas: string[];
}

export interface GrievanceInput {
  kind: string;
  category: string;
  state: string;
  lga: string;
  title: string;
  narrative: string;
  channel?: string;
  session?: string;
  reporter_name?: string;
  reporter_phone?: string;
  anonymous: boolean;
  seal_identity: boolean;
  consent_purpose_explained: boolean;
  consent_share_with_agency: boolean;
  consent_may_contact: boolean;
}

export const api = {
  status: () => invoke<AppStatus>("app_status"),
  createProfile: (name: string, organisation: string, passphrase: string) =>
    invoke<AppStatus>("create_profile", { name, organisation, passphrase }),
  unlock: (passphrase: string) => invoke<AppStatus>("unlock", { passphrase }),
  places: () => invoke<Place[]>("places"),
  categories: () => invoke<[string, string][]>("categories"),
  listCases: (query: string, status: string | null, offset: number, limit: number) =>
    invoke<Page>("list_cases", { query, status, offset, limit }),
  capture: (input: GrievanceInput) => invoke<{ reference: string; sealed: boolean }>("capture", { input }),
  openCase: (reference: string) => invoke<CaseDto>("open_case", { reference }),
  changeStatus: (reference: string, to: string, reason: string | null) =>
    invoke<CaseDto>("change_status", { reference, to, reason }),
  addNote: (reference: string, text: string) => invoke<CaseDto>("add_note", { reference, text }),
};
