// The README's settings tables are a summary of src/domain/settings.ts: keep them from drifting.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAILBOX_SETTINGS, ORGANIZATION_SETTINGS } from "../../src/domain/settings.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const rows = readme.split("\n").filter((line) => line.startsWith("| `"));

describe("README settings tables", () => {
  it.each([...ORGANIZATION_SETTINGS, ...MAILBOX_SETTINGS].map((d) => [d.key, d] as const))("lists %s with its default", (_key, definition) => {
    const row = rows.find((line) => line.startsWith(`| \`${definition.key}\` |`));
    expect(row, `no README row for ${definition.key}`).toBeDefined();
    const expected = definition.default === undefined ? (definition.required ? "required" : "none") : `\`${JSON.stringify(definition.default)}\``;
    expect(row).toContain(`| ${expected} |`);
  });

  it("lists no setting that does not exist", () => {
    const keys = new Set([...ORGANIZATION_SETTINGS, ...MAILBOX_SETTINGS].map((d) => d.key));
    const settingRows = rows.filter((line) => /^\| `[a-zA-Z]+` \| (`|required|none)/.test(line));
    for (const row of settingRows) expect(keys).toContain(/^\| `([a-zA-Z]+)`/.exec(row)?.[1]);
  });
});
