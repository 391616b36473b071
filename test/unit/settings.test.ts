import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  MAILBOX_SETTINGS,
  ORGANIZATION_SETTINGS,
  SettingsError,
  defaultOrganizationSettings,
  parseMailboxSettings,
  parseOrganizationSettings,
  parseSettingsFile,
  trackingTokenPrefixes,
} from "../../src/domain/settings.js";

/** The defaults as the brief states them (not read from the tables under test). */
const ORGANIZATION_DEFAULTS: Record<string, unknown> = {
  useCorrelation: true,
  useTrackingTokens: true,
  trackingTokenPrefix: "CRM:",
  trackingTokenPrefixHistory: [],
  trackingTokenBaseNumber: 0,
  trackingTokenUserDigits: 3,
  trackingTokenCounterDigits: 3,
  useSmartMatching: false,
  hashFilterKeywords: "^[\\s]*([\\w]+\\s?:[\\s]*)+",
  hashMaxCount: 20,
  hashDeltaSubjectCount: 0,
  hashMinAddressCount: 2,
  smartMatchingWindowDays: 90,
  useFolderLevelTracking: true,
  trackCategorizedItems: false,
  trackingCategory: "Tracked to Dynamics 365",
  categoryRetryIntervalInMinutes: 15,
  autoTrackSentFolderItems: false,
  trackEmailsBetweenUsersAsTwoActivities: true,
  doNotCorrelateForwardedEmailsAsReplies: false,
  unresolveEmailAddressIfMultipleMatch: false,
  unresolveSenderIfMultipleMatch: false,
  skipAutomatedEmail: false,
  maxBodyBytes: 1_000_000,
  processEmailOnlyForApprovedUsers: true,
  processEmailOnlyForApprovedQueues: true,
  defaultIncomingSyncMethod: "serverSideSync",
  defaultOutgoingSyncMethod: "serverSideSync",
  defaultIncomingEmailFilter: "responsesToTrackedEmail",
  mailboxFailureLimit: 10,
  mailboxFailureIntervalInMinutes: 5,
  recordErrorAlerts: true,
  recordWarningAlerts: true,
  recordInformationAlerts: true,
  notifyMailboxOwnerOfAlerts: false,
  itemLogRetentionInDays: 3,
};

const MAILBOX_DEFAULTS: Record<string, unknown> = {
  kind: "user",
  enabled: true,
  incomingSyncMethod: "serverSideSync",
  outgoingSyncMethod: "serverSideSync",
  incomingEmailFilter: "responsesToTrackedEmail",
  trackedFolders: [],
};

function settingsError(run: () => unknown): SettingsError {
  try {
    run();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error("expected a SettingsError");
}

const folder = (name: string, id = "c1") => ({ folder: name, regarding: { type: "contact", id } });

describe("organization settings", () => {
  it("lists exactly the documented keys", () => {
    expect(ORGANIZATION_SETTINGS.map((d) => d.key).sort()).toEqual(Object.keys(ORGANIZATION_DEFAULTS).sort());
  });

  it.each(Object.entries(ORGANIZATION_DEFAULTS))("defaults %s to %j", (key, expected) => {
    expect(defaultOrganizationSettings()[key as keyof ReturnType<typeof defaultOrganizationSettings>]).toEqual(expected);
    expect(parseOrganizationSettings({})).toEqual(ORGANIZATION_DEFAULTS);
  });

  it("returns fresh defaults each time (no shared lists)", () => {
    const first = defaultOrganizationSettings();
    first.trackingTokenPrefixHistory.push("OLD:");
    expect(defaultOrganizationSettings().trackingTokenPrefixHistory).toEqual([]);
  });

  const integerRanges: Array<[string, number, number]> = [
    ["trackingTokenBaseNumber", 0, 2_147_483_647],
    ["trackingTokenUserDigits", 1, 9],
    ["trackingTokenCounterDigits", 1, 9],
    ["hashMaxCount", 1, 100],
    ["hashDeltaSubjectCount", 0, 100],
    ["hashMinAddressCount", 1, 100],
    ["smartMatchingWindowDays", 1, 3650],
    ["maxBodyBytes", 1_000, 1_500_000],
    ["categoryRetryIntervalInMinutes", 1, 1440],
  ];
  const integerCases = integerRanges.flatMap(([key, min, max]) => [
    [key, min, true],
    [key, max, true],
    [key, min - 1, false],
    [key, max + 1, false],
    [key, 0, min === 0],
    [key, min + 0.5, false],
    [key, String(min), false],
    [key, null, false],
    [key, Number.NaN, false],
  ] as Array<[string, unknown, boolean]>);

  it.each(integerCases)("%s = %j accepted: %s", (key, value, accepted) => {
    const run = () => parseOrganizationSettings({ [key]: value });
    if (accepted) {
      expect(run()[key as "hashMaxCount"]).toBe(value);
    } else {
      const error = settingsError(run);
      expect(error.setting).toBe(`organization.${key}`);
      expect(error.message).toMatch(new RegExp(`^organization\\.${key} must be an integer from [\\d,]+ to [\\d,]+ \\(got `));
    }
  });

  it("names the setting, the allowed range and the value", () => {
    const error = settingsError(() => parseOrganizationSettings({ trackingTokenUserDigits: 12 }));
    expect(error.message).toBe("organization.trackingTokenUserDigits must be an integer from 1 to 9 (got 12)");
    expect(error.problems).toEqual([error.message]);
    expect(error).toBeInstanceOf(Error);
  });

  it("shows large ranges with digit grouping", () => {
    expect(settingsError(() => parseOrganizationSettings({ maxBodyBytes: 999 })).message).toBe(
      "organization.maxBodyBytes must be an integer from 1,000 to 1,500,000 (got 999)",
    );
  });

  const booleanKeys = Object.entries(ORGANIZATION_DEFAULTS)
    .filter(([, v]) => typeof v === "boolean")
    .map(([k]) => k);
  it.each(booleanKeys.flatMap((key) => [[key, true, true], [key, false, true], [key, "true", false], [key, 1, false], [key, null, false]] as Array<[string, unknown, boolean]>))(
    "%s = %j accepted: %s",
    (key, value, accepted) => {
      const run = () => parseOrganizationSettings({ [key]: value });
      if (accepted) expect(run()[key as "useCorrelation"]).toBe(value);
      else expect(settingsError(run).message).toBe(`organization.${key} must be true or false (got ${JSON.stringify(value)})`);
    },
  );

  it.each([
    ["CRM:", true],
    ["A", true],
    ["x".repeat(20), true],
    ["😀".repeat(20), true], // counted in characters, not UTF-16 units
    ["Ticket#", true],
    ["CRM1:", true], // a digit inside is fine
    ["", false],
    ["x".repeat(21), false],
    ["CR M:", false],
    ["CRM:\t", false],
    ["CRM1", false],
    ["CRM:٣", false], // any decimal digit, not only ASCII
    [42, false],
    [null, false],
  ])("trackingTokenPrefix %j accepted: %s", (value, accepted) => {
    const run = () => parseOrganizationSettings({ trackingTokenPrefix: value });
    if (accepted) expect(run().trackingTokenPrefix).toBe(value);
    else expect(settingsError(run).message).toMatch(/^organization\.trackingTokenPrefix must be 1 to 20 characters .*digit/);
  });

  it.each([
    [[], true],
    [["OLD:", "OLDER:"], true],
    [Array.from({ length: 20 }, (_, i) => `P${"abcdefghijklmnopqrst"[i]}:`), true],
    [Array.from({ length: 21 }, (_, i) => `P${"abcdefghijklmnopqrstu"[i]}:`), false],
    [["OK:", "BAD1"], false],
    ["CRM:", false],
  ])("trackingTokenPrefixHistory %j accepted: %s", (value, accepted) => {
    const run = () => parseOrganizationSettings({ trackingTokenPrefixHistory: value });
    if (accepted) expect(run().trackingTokenPrefixHistory).toEqual(value);
    else expect(settingsError(run).setting).toBe("organization.trackingTokenPrefixHistory");
  });

  it("names the bad history entry by index", () => {
    expect(settingsError(() => parseOrganizationSettings({ trackingTokenPrefixHistory: ["OK:", "BAD1"] })).message).toMatch(
      /^organization\.trackingTokenPrefixHistory\[1\] must be .* \(got "BAD1"\)$/,
    );
  });

  it.each([
    ["^[\\s]*([\\w]+\\s?:[\\s]*)+|Out of office:", true],
    ["\\p{L}+", true], // needs the u flag
    ["", true],
    ["(", false],
    ["[a-", false],
    ["\\-", false], // an identity escape is invalid under the u flag
    [7, false],
  ])("hashFilterKeywords %j accepted: %s", (value, accepted) => {
    const run = () => parseOrganizationSettings({ hashFilterKeywords: value });
    if (accepted) expect(run().hashFilterKeywords).toBe(value);
    else expect(settingsError(run).message).toMatch(/^organization\.hashFilterKeywords must be a regular expression that compiles with flags "giu"/);
  });

  it.each([
    ["Tracked to Dynamics 365", true],
    ["x", true],
    ["é".repeat(255), true],
    ["x".repeat(256), false],
    ["", false],
    ["   ", false],
    [["Tracked"], false],
  ])("trackingCategory %j accepted: %s", (value, accepted) => {
    const run = () => parseOrganizationSettings({ trackingCategory: value });
    if (accepted) expect(run().trackingCategory).toBe(value);
    else expect(settingsError(run).setting).toBe("organization.trackingCategory");
  });

  it("rejects an unknown key and suggests the right spelling", () => {
    expect(settingsError(() => parseOrganizationSettings({ trackingtokenprefix: "X:" })).message).toBe(
      "organization.trackingtokenprefix is not a known setting (did you mean trackingTokenPrefix?)",
    );
    const error = settingsError(() => parseOrganizationSettings({ colour: "blue" }));
    expect(error.setting).toBe("organization.colour");
    expect(error.message).toMatch(/^organization\.colour is not a known setting \(known: useCorrelation, /);
  });

  it("collects every problem and reports them together", () => {
    const error = settingsError(() =>
      parseOrganizationSettings({ nope: 1, trackingTokenUserDigits: 0, hashMaxCount: 101, useCorrelation: "yes" }),
    );
    expect(error.problems).toHaveLength(4);
    expect(error.settings).toEqual([
      "organization.nope",
      "organization.useCorrelation",
      "organization.trackingTokenUserDigits",
      "organization.hashMaxCount",
    ]);
    expect(error.setting).toBe("organization.nope");
    expect(error.message).toBe(error.problems.join("; "));
  });

  it.each([[null], [undefined], [[]], ["{}"], [3]])("rejects %j as the settings object", (input) => {
    expect(settingsError(() => parseOrganizationSettings(input)).message).toMatch(/^organization must be an object of settings/);
  });
});

describe("mailbox settings", () => {
  it("lists exactly the documented keys", () => {
    expect(MAILBOX_SETTINGS.map((d) => d.key).sort()).toEqual(
      [...Object.keys(MAILBOX_DEFAULTS), "address", "processEmailReceivedAfter", "approvalStatus", "ownerObjectId"].sort(),
    );
  });

  it.each(Object.entries(MAILBOX_DEFAULTS))("defaults %s to %j", (key, expected) => {
    expect(parseMailboxSettings({ address: "a@contoso.com" })[key as "kind"]).toEqual(expected);
  });

  it("leaves processEmailReceivedAfter unset by default", () => {
    expect(parseMailboxSettings({ address: "a@contoso.com" })).not.toHaveProperty("processEmailReceivedAfter");
  });

  it("requires the address", () => {
    const error = settingsError(() => parseMailboxSettings({}));
    expect(error.setting).toBe("mailbox.address");
    expect(error.message).toMatch(/^mailbox\.address is required/);
  });

  it.each([
    ["Sales@Contoso.COM", "sales@contoso.com"],
    ["  a.b+tag@sub.contoso.com ", "a.b+tag@sub.contoso.com"],
    ["ÉLODIE@bücher.de", "élodie@bücher.de"],
  ])("stores address %j lower-cased as %j", (input, stored) => {
    expect(parseMailboxSettings({ address: input }).address).toBe(stored);
  });

  it.each([["no-at-sign"], ["a@"], ["@contoso.com"], ["a b@contoso.com"], ["a@b@c"], ["<a@contoso.com>"], ["a@.contoso.com"], ["a@contoso..com"], [""], [5]])(
    "rejects address %j",
    (address) => {
      expect(settingsError(() => parseMailboxSettings({ address })).message).toMatch(/^mailbox\.address must be an email address/);
    },
  );

  it.each([
    ["kind", ["user", "queue"], "shared"],
    ["incomingSyncMethod", ["serverSideSync", "none"], "emailRouter"],
    ["outgoingSyncMethod", ["serverSideSync", "none"], "smtp"],
    [
      "incomingEmailFilter",
      ["all", "responsesToTrackedEmail", "fromLeadsContactsAccounts", "fromEmailEnabledRecords", "none"],
      2,
    ],
  ] as Array<[string, string[], unknown]>)("%s accepts exactly %j", (key, values, bad) => {
    for (const value of values) expect(parseMailboxSettings({ address: "a@contoso.com", [key]: value })[key as "kind"]).toBe(value);
    const error = settingsError(() => parseMailboxSettings({ address: "a@contoso.com", [key]: bad }));
    expect(error.message).toBe(`mailbox.${key} must be one of ${values.map((v) => `"${v}"`).join(", ")} (got ${JSON.stringify(bad)})`);
  });

  it.each([
    ["2024-01-31T00:00:00Z", true],
    ["2024-01-31T09:30:00.123+02:00", true],
    ["2024-01-31T09:30Z", true],
    ["2024-01-31", false],
    ["2024-01-31T00:00:00", false], // no zone: would depend on the server
    ["yesterday", false],
    ["2024-13-01T00:00:00Z", false],
    [1706659200000, false],
  ])("processEmailReceivedAfter %j accepted: %s", (value, accepted) => {
    const run = () => parseMailboxSettings({ address: "a@contoso.com", processEmailReceivedAfter: value });
    if (accepted) expect(run().processEmailReceivedAfter).toBe(value);
    else expect(settingsError(run).setting).toBe("mailbox.processEmailReceivedAfter");
  });

  describe("trackedFolders", () => {
    const base = { address: "a@contoso.com" };

    it("accepts up to 25 folders with any record type", () => {
      const folders = Array.from({ length: 25 }, (_, i) => folder(`Customers/F${i}`, `id${i}`));
      expect(parseMailboxSettings({ ...base, trackedFolders: folders }).trackedFolders).toEqual(folders);
    });

    it("rejects 26 folders", () => {
      const folders = Array.from({ length: 26 }, (_, i) => folder(`F${i}`));
      expect(settingsError(() => parseMailboxSettings({ ...base, trackedFolders: folders })).message).toBe(
        "mailbox.trackedFolders must have at most 25 folders (got 26)",
      );
    });

    it("rejects folder names that repeat case-insensitively", () => {
      const error = settingsError(() => parseMailboxSettings({ ...base, trackedFolders: [folder("Contoso"), folder(" contoso ")] }));
      expect(error.message).toMatch(/^mailbox\.trackedFolders\[1\]\.folder must be unique/);
    });

    it.each([
      [{ folder: "", regarding: { type: "contact", id: "c1" } }, "mailbox.trackedFolders[0].folder must be a non-empty folder name"],
      [{ folder: "A", regarding: { type: "opportunity", id: "c1" } }, "mailbox.trackedFolders[0].regarding.type must be one of"],
      [{ folder: "A", regarding: { type: "contact", id: " " } }, "mailbox.trackedFolders[0].regarding.id must be a non-empty record id"],
      [{ folder: "A" }, "mailbox.trackedFolders[0].regarding must be an object"],
      [{ folder: "A", regarding: { type: "contact", id: "c1" }, colour: "red" }, "mailbox.trackedFolders[0].colour is not a known setting"],
      ["Inbox/A", "mailbox.trackedFolders[0] must be an object"],
    ])("rejects %j", (entry, message) => {
      const error = settingsError(() => parseMailboxSettings({ ...base, trackedFolders: [entry] }));
      expect(error.message.startsWith(message)).toBe(true);
      expect(error.setting).toBe("mailbox.trackedFolders");
    });

    it("accepts every record type as regarding", () => {
      const types = ["systemuser", "contact", "account", "lead", "equipment", "team", "businessunit", "queue", "custom"];
      const folders = types.map((type, i) => ({ folder: `F${i}`, regarding: { type, id: `r${i}` } }));
      expect(parseMailboxSettings({ ...base, trackedFolders: folders }).trackedFolders).toEqual(folders);
    });

    it("rejects tracked folders on a queue mailbox", () => {
      const error = settingsError(() => parseMailboxSettings({ ...base, kind: "queue", trackedFolders: [folder("A")] }));
      expect(error.message).toMatch(/^mailbox\.trackedFolders must be empty for a queue mailbox/);
      expect(parseMailboxSettings({ ...base, kind: "queue", trackedFolders: [] }).trackedFolders).toEqual([]);
    });
  });
});

describe("settings file", () => {
  it("fills organization defaults when the section is absent", () => {
    expect(parseSettingsFile({})).toEqual({ organization: ORGANIZATION_DEFAULTS });
  });

  it("parses both sections", () => {
    const parsed = parseSettingsFile({
      organization: { autoTrackSentFolderItems: true },
      mailbox: { address: "Queue@Contoso.com", kind: "queue", incomingEmailFilter: "all" },
    });
    expect(parsed.organization.autoTrackSentFolderItems).toBe(true);
    expect(parsed.mailbox).toEqual({ ...MAILBOX_DEFAULTS, address: "queue@contoso.com", kind: "queue", incomingEmailFilter: "all" });
  });

  it("reports problems of every section together, unknown sections included", () => {
    const error = settingsError(() =>
      parseSettingsFile({ organisation: {}, organization: { hashMaxCount: 0 }, mailbox: { address: "x" } }),
    );
    expect(error.problems).toHaveLength(3);
    expect(error.problems[0]).toBe("organisation is not a known section of the settings file (known: organization, mailbox)");
    expect(error.settings).toEqual(["organisation", "organization.hashMaxCount", "mailbox.address"]);
  });

  it("rejects a null section rather than defaulting it", () => {
    expect(settingsError(() => parseSettingsFile({ organization: null })).message).toBe("organization must be an object of settings (got null)");
  });

  it.each([[null], [[]], ["x"]])("rejects %j as a file", (input) => {
    expect(settingsError(() => parseSettingsFile(input)).message).toMatch(/^the settings file must be an object/);
  });
});

describe("trackingTokenPrefixes", () => {
  it.each([
    ["CRM:", [], ["CRM:"]],
    ["NEW:", ["OLD:", "OLDER:"], ["NEW:", "OLD:", "OLDER:"]],
    ["NEW:", ["OLD:", "NEW:", "OLD:"], ["NEW:", "OLD:"]],
  ])("prefix %j with history %j → %j", (prefix, history, expected) => {
    expect(trackingTokenPrefixes({ trackingTokenPrefix: prefix, trackingTokenPrefixHistory: history })).toEqual(expected);
  });
});

describe("docs/settings.md", () => {
  const docs = readFileSync(new URL("../../docs/settings.md", import.meta.url), "utf8");
  const rows = docs.split("\n").filter((line) => line.startsWith("|"));
  const table = [
    ...ORGANIZATION_SETTINGS.map((d) => ["organization", d] as const),
    ...MAILBOX_SETTINGS.map((d) => ["mailbox", d] as const),
  ];

  it.each(table.map(([scope, d]) => [`${scope}.${d.key}`, d]))("documents %s with its default", (_name, definition) => {
    const row = rows.find((line) => line.includes(`| \`${definition.key}\` |`));
    expect(row, `no table row for ${definition.key}`).toBeDefined();
    const expected = definition.default === undefined ? (definition.required ? "required" : "none") : `\`${JSON.stringify(definition.default)}\``;
    expect(row).toContain(expected);
  });
});
