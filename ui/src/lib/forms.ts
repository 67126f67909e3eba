// Small pure helpers the capture screen uses, kept here so they are unit tested.

/** Paper forms are usually numbered in sequence: the number after `previous` (same width). */
export function nextFormNumber(previous: string | null | undefined): string {
  const match = previous?.match(/^(.*?)(\d+)$/);
  if (!match) return "";
  return match[1] + String(Number(match[2]) + 1).padStart(match[2].length, "0");
}
