// English: the reference catalogue. Every other language has exactly these keys. The words
// live in the JSON files beside this one so the printed papers (crates/paper) use the same.
import catalogue from "./en.json";

export const en = catalogue;

export type Key = keyof typeof en;
