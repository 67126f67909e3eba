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

// The closed vocabularies the window shows must match the words crates/core stores, and each
// word must have a message.
function rustWords(file: string, enumName: string): string[] {
  const source = readFileSync(resolve(__dirname, "../../../crates/core/src", file), "utf8");
  const start = source.indexOf(`${enumName}, "`);
  expect(start, `${enumName} in ${file}`).toBeGreaterThan(-1);
  const body = source.slice(start, source.indexOf("}", start));
  return [...body.matchAll(/=> "([a-z0-9_]+)"/g)].map((m) => m[1]);
}

function rustReasons(): string[] {
  const source = readFileSync(resolve(__dirname, "../../../crates/core/src/duplicates.rs"), "utf8");
  return [...source.matchAll(/Reason::\w+ => "([a-z_]+)"/g)].map((m) => m[1]);
}

function rustSlugs(): string[] {
  const source = readFileSync(resolve(__dirname, "../../../crates/core/src/taxonomy.rs"), "utf8");
  return [...source.matchAll(/slug: "([a-z_]+)"/g)].map((m) => m[1]);
}

describe("vocabularies", () => {
  const cases: [string, readonly string[], string[], string][] = [
    ["statuses", vocabulary.statuses, rustWords("lifecycle.rs", "Status"), "status_"],
    ["kinds", vocabulary.kinds, rustWords("grievance.rs", "Kind"), "kind_"],
    ["channels", vocabulary.channels, rustWords("grievance.rs", "Channel"), "channel_"],
    ["forwarding channels", vocabulary.forwardChannels, rustWords("grievance.rs", "ForwardChannel"), "fwd_"],
    ["commitment statuses", vocabulary.commitmentStatuses, rustWords("session.rs", "CommitmentStatus"), "commitment_"],
    ["categories", vocabulary.categories, rustSlugs(), "cat_"],
    ["duplicate reasons", vocabulary.duplicateReasons, rustReasons(), "reason_"],
  ];
  for (const [name, ui, core, prefix] of cases) {
    it(`${name} match the core and each has a message`, () => {
      expect([...ui]).toEqual(core);
      for (const word of ui) expect(en, `${prefix}${word}`).toHaveProperty(`${prefix}${word}`);
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
