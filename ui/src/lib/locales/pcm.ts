import type { Key } from "./en";
import catalogue from "./pcm.json";

// Naijá (Nigerian Pidgin): the type makes a missing key a type error.
export const pcm: Record<Key, string> = catalogue;
