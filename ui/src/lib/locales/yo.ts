import type { Key } from "./en";
import catalogue from "./yo.json";

// Yorùbá: the type makes a missing key a type error.
export const yo: Record<Key, string> = catalogue;
