import type { Key } from "./en";
import catalogue from "./ha.json";

// Hausa: the type makes a missing key a type error.
export const ha: Record<Key, string> = catalogue;
