// Every organization setting appears in exactly one section of the settings page, and nothing
// else does: a new setting without a section fails here, not silently on the page.
import { describe, expect, it } from "vitest";
import { ORGANIZATION_SETTINGS } from "../../src/domain/settings.js";
import { ORGANIZATION_SETTING_SECTIONS } from "../../src/domain/settings-sections.js";

describe("organization setting sections", () => {
  const placed = ORGANIZATION_SETTING_SECTIONS.flatMap((section) => section.keys.map((key) => ({ key, section: section.id })));

  it.each(ORGANIZATION_SETTINGS.map((definition) => definition.key))("%s is in exactly one section", (key) => {
    expect(placed.filter((entry) => entry.key === key).map((entry) => entry.section)).toHaveLength(1);
  });

  it("names only settings that exist", () => {
    const known = new Set(ORGANIZATION_SETTINGS.map((definition) => definition.key));
    expect(placed.filter((entry) => !known.has(entry.key))).toEqual([]);
  });

  it("has unique section ids and no empty section", () => {
    const ids = ORGANIZATION_SETTING_SECTIONS.map((section) => section.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ORGANIZATION_SETTING_SECTIONS.filter((section) => section.keys.length === 0)).toEqual([]);
  });
});
