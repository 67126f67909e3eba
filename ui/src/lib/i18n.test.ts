import { describe, expect, it } from "vitest";
import { en } from "./locales/en";
import { ha } from "./locales/ha";
import { yo } from "./locales/yo";
import { ig } from "./locales/ig";
import { pcm } from "./locales/pcm";

const others = { ha, yo, ig, pcm };

describe("message catalogues", () => {
  for (const [code, catalogue] of Object.entries(others)) {
    it(`${code} has every English key and nothing else`, () => {
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
    });
    it(`${code} keeps every placeholder of each message`, () => {
      for (const [key, message] of Object.entries(en)) {
        const wanted = (message.match(/\{\w+\}/g) ?? []).sort();
        const found = ((catalogue as Record<string, string>)[key].match(/\{\w+\}/g) ?? []).sort();
        expect(found, `${code}.${key}`).toEqual(wanted);
      }
    });
    it(`${code} has no empty message`, () => {
      for (const [key, message] of Object.entries(catalogue)) {
        expect(message.trim().length, `${code}.${key}`).toBeGreaterThan(0);
      }
    });
  }
});
