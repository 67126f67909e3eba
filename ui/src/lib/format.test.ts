import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { nextFormNumber } from "./forms";
import type { Key } from "./locales/en";
import { describeError, failedWith, formatDay, formatNumber, locale, setLanguage, t } from "./i18n.svelte";

// The window's storage, for remembering the language.
const stored = new Map<string, string>();
beforeEach(() => {
  vi.stubGlobal("localStorage", { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v) });
});
afterEach(() => {
  setLanguage("en");
  vi.unstubAllGlobals();
});

describe("paper form numbers", () => {
  it("suggests the next number with the same width and prefix", () => {
    expect(nextFormNumber("KN-TH-0099")).toBe("KN-TH-0100");
    expect(nextFormNumber("7")).toBe("8");
  });
  it("suggests nothing when there is no number to follow", () => {
    expect(nextFormNumber(undefined)).toBe("");
    expect(nextFormNumber("")).toBe("");
    expect(nextFormNumber("form A")).toBe("");
  });
});

describe("messages", () => {
  it("fill placeholders and follow the language", () => {
    expect(t("saved", { reference: "KN-7QK-0042" })).toBe("Saved as KN-7QK-0042");
    setLanguage("ha");
    expect(locale.code).toBe("ha");
    expect(t("saved", { reference: "KN-7QK-0042" })).toBe("An ajiye a matsayin KN-7QK-0042");
    expect(localStorage.getItem("language")).toBe("ha");
  });
  it("show a missing key in brackets instead of breaking the screen", () => {
    // A word the core stores but no catalogue knows yet (a newer laptop synced it).
    const unknown = "status_suspended" as Key;
    expect(t(unknown)).toBe("[status_suspended]");
    setLanguage("yo");
    expect(t(unknown)).toBe("[status_suspended]");
  });
  it("ignore an unknown language", () => {
    setLanguage("xx");
    expect(locale.code).toBe("en");
  });
});

describe("errors", () => {
  it("translate the codes the window knows", () => {
    expect(describeError({ code: "wrong_passphrase", message: "wrong passphrase: …" })).toBe(
      "Wrong passphrase. Nothing was changed; try again.",
    );
    setLanguage("pcm");
    expect(describeError({ code: "offline", message: "…" })).toContain("network");
  });
  it("show the app's own words for the others", () => {
    expect(describeError({ code: "invalid", message: "'Ikeja' is not an LGA of Kano" })).toBe(
      "Something went wrong: 'Ikeja' is not an LGA of Kano",
    );
    expect(describeError("boom")).toBe("Something went wrong: boom");
  });
  it("carry the app's words into a code's sentence where it has a place for them", () => {
    setLanguage("en");
    expect(describeError({ code: "damaged", message: "profile has no user" })).toBe(
      "Some stored data is damaged: profile has no user",
    );
  });
  it("treat a code this window does not know as words only", () => {
    setLanguage("en");
    expect(describeError({ code: "from_a_newer_app", message: "words" })).toBe("Something went wrong: words");
    expect(failedWith({ code: "needs_passphrase", message: "…" }, "needs_passphrase")).toBe(true);
    expect(failedWith({ code: "offline", message: "…" }, "needs_passphrase")).toBe(false);
  });
});

describe("dates and numbers", () => {
  it("format a calendar day for the reader", () => {
    expect(formatDay("2026-11-28")).toContain("2026");
    expect(formatDay(null)).toBe("—");
    expect(formatDay("not a day")).toBe("not a day");
  });
  it("group thousands", () => {
    expect(formatNumber(100000)).toBe("100,000");
  });
});
