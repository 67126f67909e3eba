import { readFileSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import * as vocabulary from "./vocabulary";
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

// Every word of the closed vocabularies (generated from crates/core) has a message.
describe("vocabularies", () => {
  const cases: [string, readonly string[], string][] = [
    ["statuses", vocabulary.statuses, "status_"],
    ["kinds", vocabulary.kinds, "kind_"],
    ["channels", vocabulary.channels, "channel_"],
    ["forwarding channels", vocabulary.forwardChannels, "fwd_"],
    ["commitment statuses", vocabulary.commitmentStatuses, "commitment_"],
    ["categories", vocabulary.categories, "cat_"],
    ["priorities", vocabulary.priorities, "priority_"],
    ["genders", vocabulary.genders, "answer_"],
    ["age bands", vocabulary.ageBands, "answer_"],
    ["disability answers", vocabulary.disabilityAnswers, "answer_"],
    ["duplicate reasons", vocabulary.duplicateReasons, "reason_"],
  ];
  for (const [name, words, prefix] of cases) {
    it(`${name} each have a message`, () => {
      expect(words.length).toBeGreaterThan(1);
      for (const word of words) expect(en, `${prefix}${word}`).toHaveProperty(`${prefix}${word}`);
    });
  }

  it("every message key the screens ask for exists", () => {
    const dir = resolve(__dirname, "..");
    const files = ["App.svelte", ...readdirSync(resolve(dir, "screens")).map((f) => `screens/${f}`)];
    for (const file of files) {
      const source = readFileSync(resolve(dir, file), "utf8");
      for (const [, key] of source.matchAll(/\bt\("([a-z0-9_]+)"/g)) expect(en, `${file}: ${key}`).toHaveProperty(key);
    }
  });
});
