// Dates and times as people read them, in every language the same way: day number, the short
// month name from our own catalogue, four-digit year, and a 24-hour "HH:MM" in Nigeria's time
// (West Africa Time, UTC+1 all year, no daylight saving). Computed here with a fixed offset
// rather than through the WebView's Intl/ICU, whose locale data for some of our languages
// (Yorùbá) is too thin: it gave "7 12 2026, 13:0".

/** The twelve short month names of one language, January first (`month_1` … `month_12`). */
export type MonthNames = readonly string[];

/** Nigeria's offset from UTC: one hour, the whole year. */
const LAGOS_OFFSET_MS = 60 * 60 * 1000;

/** The calendar fields of an instant on a clock in Lagos. */
export interface LagosTime {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  /** 0–23 */
  hour: number;
  /** 0–59 */
  minute: number;
}

/** The Lagos wall-clock fields of `millis` (milliseconds since the Unix epoch, UTC). */
export function lagosTime(millis: number): LagosTime {
  const at = new Date(millis + LAGOS_OFFSET_MS);
  return {
    year: at.getUTCFullYear(),
    month: at.getUTCMonth() + 1,
    day: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
  };
}

/** The number of days of `month` (1–12) in `year` (Gregorian). */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const two = (n: number) => String(n).padStart(2, "0");

/** "7 Dec 2026": day, the month's name in `months`, four-digit year. */
function dayMonthYear(year: number, month: number, day: number, months: MonthNames): string {
  const name = months[month - 1] ?? two(month);
  return `${day} ${name} ${String(year).padStart(4, "0")}`;
}

/** An instant as date and time in Lagos, e.g. "7 Dec 2026, 13:00"; "—" when it is no instant. */
export function formatDateTime(millis: number, months: MonthNames): string {
  if (!Number.isFinite(millis)) return "—";
  const at = lagosTime(millis);
  if (Number.isNaN(at.year)) return "—";
  return `${dayMonthYear(at.year, at.month, at.day, months)}, ${two(at.hour)}:${two(at.minute)}`;
}

/** An instant as the date it was in Lagos, e.g. "7 Dec 2026"; "—" when it is no instant. */
export function formatDateOnly(millis: number, months: MonthNames): string {
  if (!Number.isFinite(millis)) return "—";
  const at = lagosTime(millis);
  if (Number.isNaN(at.year)) return "—";
  return dayMonthYear(at.year, at.month, at.day, months);
}

/** A calendar day written `YYYY-MM-DD` (no time, no zone: it is the same day everywhere), e.g.
 * "2026-12-07" → "7 Dec 2026"; null when it is not such a day (e.g. "2026-02-30"). */
export function formatCalendarDay(day: string, months: MonthNames): string | null {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!parts) return null;
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (month < 1 || month > 12 || date < 1 || date > daysIn(year, month)) return null;
  return dayMonthYear(year, month, date, months);
}
