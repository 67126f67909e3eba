import type { Key } from "./en";
import catalogue from "./ig.json";

// Igbo: the type makes a missing key a type error.
export const ig: Record<Key, string> = catalogue;
