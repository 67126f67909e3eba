// Message catalogues and the current language, switchable at run time and remembered.
import { en, type Key } from "./locales/en";
import { ha } from "./locales/ha";
import { yo } from "./locales/yo";
import { ig } from "./locales/ig";
import { pcm } from "./locales/pcm";
import { formatCalendarDay, formatDateOnly, formatDateTime } from "./dates";
import type { ErrorCode, Failure } from "./types.generated";

export const catalogues: Record<string, Record<Key, string>> = { en, ha, yo, ig, pcm };
export const languages: { code: string; name: string }[] = [
  { code: "en", name: "English" },
  { code: "ha", name: "Hausa" },
  { code: "yo", name: "Yorùbá" },
  { code: "ig", name: "Igbo" },
  { code: "pcm", name: "Naijá (Pidgin)" },
];

const stored = typeof localStorage === "undefined" ? null : localStorage.getItem("language");
export const locale = $state({ code: stored && stored in catalogues ? stored : "en" });

export function setLanguage(code: string) {
  if (!(code in catalogues)) return;
  locale.code = code;
  if (typeof localStorage !== "undefined") localStorage.setItem("language", code);
  if (typeof document !== "undefined") document.documentElement.lang = code;
}

/** The message for `key` in the current language, with `{name}` placeholders filled; English
 * when the language lacks it, and the key itself in brackets when no catalogue has it (a word
 * missing from a vocabulary shows, it does not break the screen). */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const message = catalogues[locale.code]?.[key] ?? en[key] ?? `[${key}]`;
  return message.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** The short month names (`month_1` … `month_12`) of the current language, from our catalogues. */
const monthKeys = [
  "month_1", "month_2", "month_3", "month_4", "month_5", "month_6",
  "month_7", "month_8", "month_9", "month_10", "month_11", "month_12",
] as const satisfies readonly Key[];

function monthNames(): string[] {
  return monthKeys.map((key) => t(key));
}

/** An instant in the reader's language, Nigeria's time: "7 Dec 2026, 13:00", or "7 Dec 2026"
 * without the time (one formatter for every language, `dates.ts`, not the WebView's locale data). */
export function formatDate(millis: number, withTime = true): string {
  return withTime ? formatDateTime(millis, monthNames()) : formatDateOnly(millis, monthNames());
}

function tag(): string {
  return locale.code === "pcm" ? "en-NG" : `${locale.code}-NG`;
}

/** A calendar day (`YYYY-MM-DD`) in the reader's language, "7 Dec 2026"; "—" for none, and the
 * text itself when it is not such a day. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return "—";
  return formatCalendarDay(day, monthNames()) ?? day;
}

/** A count in the reader's language. */
export function formatNumber(n: number): string {
  try {
    return new Intl.NumberFormat(tag()).format(n);
  } catch {
    return String(n);
  }
}

/** Words for every code a command can fail with (`null`: the app's own words say it best).
 * The type is total, so a new code in the Rust `Code` enum fails `svelte-check` until it is here. */
const errorWords: Record<ErrorCode, Key | null> = {
  locked: "error_locked",
  not_initialised: null,
  already_initialised: null,
  wrong_passphrase: "error_wrong_passphrase",
  weak_passphrase: "error_weak_passphrase",
  newer_schema: "error_newer_schema",
  not_found: "error_not_found",
  invalid: null,
  forbidden_transition: "error_forbidden_transition",
  status_conflict: "error_status_conflict",
  needs_passphrase: "error_needs_passphrase",
  not_enrolled: "error_not_enrolled",
  offline: "error_offline",
  refused: null,
  not_our_server: "error_not_our_server",
  insecure_server: "error_insecure_server",
  damaged: "error_damaged",
  internal: null,
};

/** The failure a command answered with, if `e` is one. */
export function asFailure(e: unknown): Failure | null {
  if (typeof e === "object" && e !== null && "code" in e && "message" in e && typeof e.code === "string" && e.code in errorWords) {
    return e as Failure;
  }
  return null;
}

/** Whether a command failed with `code`. */
export function failedWith(e: unknown, code: ErrorCode): boolean {
  return asFailure(e)?.code === code;
}

/** What to tell the person when a command failed: its code in their language, else its words. */
export function describeError(e: unknown): string {
  const failure = asFailure(e);
  if (failure) {
    const key = errorWords[failure.code];
    return key ? t(key, { message: failure.message }) : t("error_generic", { message: failure.message });
  }
  const words = typeof e === "object" && e !== null && "message" in e ? e.message : e;
  return t("error_generic", { message: String(words) });
}
