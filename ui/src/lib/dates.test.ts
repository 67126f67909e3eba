import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { formatCalendarDay, formatDateOnly, formatDateTime, lagosTime } from "./dates";
import { catalogues, formatDate, formatDay, setLanguage } from "./i18n.svelte";

// Each language's month names, read from its catalogue as the window reads them.
const months = (code: string) => Array.from({ length: 12 }, (_, i) => (catalogues[code] as Record<string, string>)[`month_${i + 1}`]);

const noon = Date.UTC(2026, 11, 7, 12, 0); // 2026-12-07T12:00:00Z, 13:00 in Lagos
const fivePast = Date.UTC(2026, 11, 7, 12, 5); // 13:05 in Lagos
const lateNewYearsEve = Date.UTC(2026, 11, 31, 23, 30); // 00:30 on 1 January 2027 in Lagos

// The exact words each language shows for the same instants.
const expected: Record<string, { noon: string; fivePast: string; late: string; lateDay: string; day: string; june: string }> = {
  en: { noon: "7 Dec 2026, 13:00", fivePast: "7 Dec 2026, 13:05", late: "1 Jan 2027, 00:30", lateDay: "1 Jan 2027", day: "7 Dec 2026", june: "30 Jun 2026" },
  ha: { noon: "7 Dis 2026, 13:00", fivePast: "7 Dis 2026, 13:05", late: "1 Jan 2027, 00:30", lateDay: "1 Jan 2027", day: "7 Dis 2026", june: "30 Yun 2026" },
  yo: { noon: "7 Ọ̀pẹ̀ 2026, 13:00", fivePast: "7 Ọ̀pẹ̀ 2026, 13:05", late: "1 Ṣẹ́rẹ́ 2027, 00:30", lateDay: "1 Ṣẹ́rẹ́ 2027", day: "7 Ọ̀pẹ̀ 2026", june: "30 Òkúdu 2026" },
  ig: { noon: "7 Dis 2026, 13:00", fivePast: "7 Dis 2026, 13:05", late: "1 Jen 2027, 00:30", lateDay: "1 Jen 2027", day: "7 Dis 2026", june: "30 Jun 2026" },
  pcm: { noon: "7 Dec 2026, 13:00", fivePast: "7 Dec 2026, 13:05", late: "1 Jan 2027, 00:30", lateDay: "1 Jan 2027", day: "7 Dec 2026", june: "30 Jun 2026" },
};

describe("the one date formatter", () => {
  for (const [code, want] of Object.entries(expected)) {
    it(`${code}: date and time with the catalogue's month and two-digit minutes`, () => {
      expect(formatDateTime(noon, months(code))).toBe(want.noon);
      expect(formatDateTime(fivePast, months(code))).toBe(want.fivePast);
    });
    it(`${code}: 23:30 UTC is already the next day (and year) in Lagos`, () => {
      expect(formatDateTime(lateNewYearsEve, months(code))).toBe(want.late);
      expect(formatDateOnly(lateNewYearsEve, months(code))).toBe(want.lateDay);
    });
    it(`${code}: a date alone`, () => {
      expect(formatDateOnly(noon, months(code))).toBe(want.day);
      expect(formatCalendarDay("2026-12-07", months(code))).toBe(want.day);
      expect(formatCalendarDay("2026-06-30", months(code))).toBe(want.june);
    });
  }

  it("every catalogue names twelve months, distinct and not empty", () => {
    for (const code of Object.keys(expected)) {
      const names = months(code);
      expect(names.every((n) => typeof n === "string" && n.trim().length > 0), code).toBe(true);
      expect(new Set(names).size, code).toBe(12);
    }
  });

  it("reads the clock in Lagos, UTC+1 the whole year", () => {
    expect(lagosTime(Date.UTC(2026, 6, 1, 0, 0))).toEqual({ year: 2026, month: 7, day: 1, hour: 1, minute: 0 });
    expect(lagosTime(Date.UTC(2026, 0, 15, 22, 59))).toEqual({ year: 2026, month: 1, day: 15, hour: 23, minute: 59 });
    expect(formatDateTime(Date.UTC(2026, 2, 31, 23, 0), months("en"))).toBe("1 Apr 2026, 00:00");
    expect(formatDateTime(Date.UTC(2026, 0, 5, 8, 9), months("en"))).toBe("5 Jan 2026, 09:09");
  });

  it("refuses what is not a calendar day or an instant", () => {
    const en = months("en");
    expect(formatCalendarDay("2028-02-29", en)).toBe("29 Feb 2028");
    expect(formatCalendarDay("2026-02-29", en)).toBeNull();
    expect(formatCalendarDay("2026-13-01", en)).toBeNull();
    expect(formatCalendarDay("2026-04-31", en)).toBeNull();
    expect(formatCalendarDay("2026-12-7", en)).toBeNull();
    expect(formatCalendarDay("not a day", en)).toBeNull();
    expect(formatDateTime(Number.NaN, en)).toBe("—");
    expect(formatDateOnly(Number.POSITIVE_INFINITY, en)).toBe("—");
  });
});

// The window's helpers follow the chosen language through the same formatter.
describe("the window's date helpers", () => {
  const stored = new Map<string, string>();
  beforeEach(() => {
    vi.stubGlobal("localStorage", { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => stored.set(k, v) });
  });
  afterEach(() => {
    setLanguage("en");
    vi.unstubAllGlobals();
  });

  for (const [code, want] of Object.entries(expected)) {
    it(`${code}: formatDate and formatDay`, () => {
      setLanguage(code);
      expect(formatDate(noon)).toBe(want.noon);
      expect(formatDate(fivePast)).toBe(want.fivePast);
      expect(formatDate(lateNewYearsEve)).toBe(want.late);
      expect(formatDate(lateNewYearsEve, false)).toBe(want.lateDay);
      expect(formatDay("2026-12-07")).toBe(want.day);
      expect(formatDay(null)).toBe("—");
      expect(formatDay("not a day")).toBe("not a day");
    });
  }
});
