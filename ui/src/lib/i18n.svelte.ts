// Message catalogues and the current language, switchable at run time and remembered.
import { en, type Key } from "./locales/en";
import { ha } from "./locales/ha";
import { yo } from "./locales/yo";
import { ig } from "./locales/ig";
import { pcm } from "./locales/pcm";

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
  localStorage.setItem("language", code);
  document.documentElement.lang = code;
}

/** The message for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const message = catalogues[locale.code]?.[key] ?? en[key];
  return message.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** Dates in the reader's language (Nigeria's time zone). */
export function formatDate(millis: number): string {
  const tag = locale.code === "pcm" ? "en-NG" : `${locale.code}-NG`;
  try {
    return new Intl.DateTimeFormat(tag, { dateStyle: "medium", timeStyle: "short", timeZone: "Africa/Lagos" }).format(millis);
  } catch {
    return new Intl.DateTimeFormat("en-NG", { dateStyle: "medium", timeStyle: "short", timeZone: "Africa/Lagos" }).format(millis);
  }
}
