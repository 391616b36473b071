// The replay command line: exit codes, messages naming the problem, records validation and the
// folder rule. The store is only opened for a valid command line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { folderOf, loadConfiguration, main, parseRecords, ReplayUsageError, type ReplayLine } from "../../src/cli/replay.js";
import type { GraphMessage } from "../../src/domain/types.js";
import { replayStoreKind } from "../../local/replay.js";
import { openTestStore } from "../support/cosmos.js";

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(path.join(tmpdir(), "replay-cli-"));
});
afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const p = path.join(temp, name);
  await writeFile(p, content);
  return p;
}

/** Runs main with a store opener that must not be reached; returns the exit code and stderr. */
async function runFailing(argv: string[]): Promise<{ code: number; errors: string; opened: boolean }> {
  const errors: string[] = [];
  let opened = false;
  const code = await main(argv, {
    openStore: async () => {
      opened = true;
      throw new Error("the store must not be opened for bad input");
    },
    log: () => {},
    error: (line) => errors.push(line),
  });
  return { code, errors: errors.join("\n"), opened };
}

describe("main: usage and configuration errors exit 2 without opening the store", () => {
  it.each([
    ["an unknown organization key", { organization: { useSmartMatchin: true }, mailbox: { address: "a@example.com" } }, "useSmartMatchin"],
    ["a bad value", { organization: { trackingTokenUserDigits: 42 }, mailbox: { address: "a@example.com" } }, "organization.trackingTokenUserDigits"],
    ["a bad filter", { mailbox: { address: "a@example.com", incomingEmailFilter: "some" } }, "mailbox.incomingEmailFilter"],
    ["an unknown section", { mailboxes: [] }, "mailboxes"],
  ])("settings with %s", async (_name, settings, key) => {
    const eml = await file("one.eml", "From: a@example.org\r\nSubject: s\r\n\r\nbody");
    const settingsFile = await file(`settings-${key}.json`, JSON.stringify(settings));
    const result = await runFailing([eml, "--settings", settingsFile]);
    expect(result).toEqual({ code: 2, errors: expect.stringContaining(key), opened: false });
    expect(result.errors).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([
    ["settings that are not JSON", ["--settings", "SETTINGS_NOT_JSON"], "not valid JSON"],
    ["a missing settings file", ["--settings", "/nonexistent/settings.json"], "cannot read the settings file"],
    ["no mailbox anywhere", [], "--mailbox is required: it names the receiving mailbox (or give --settings with a mailbox.address)"],
    ["a mailbox that is not an address", ["--mailbox", "dana"], "mailbox.address"],
    ["a path that does not exist", ["--mailbox", "a@example.com", "/nonexistent/mail"], "/nonexistent/mail: no such file or directory"],
    ["records that are not a list", ["--mailbox", "a@example.com", "--records", "RECORDS_OBJECT"], "must be a JSON array"],
    ["an unknown option", ["--mailbx", "a@example.com"], "unknown option"],
    ["a missing records file", ["--mailbox", "a@example.com", "--records", "/nonexistent/records.json"], "cannot read the records file /nonexistent/records.json: no such file"],
    ["a missing activities file", ["--mailbox", "a@example.com", "--activities", "/nonexistent/a.jsonl"], "cannot read the activities file /nonexistent/a.jsonl: no such file"],
    ["a missing --compare file", ["--mailbox", "a@example.com", "--compare", "/nonexistent/other.json"], "cannot read the settings file /nonexistent/other.json"],
    ["--compare settings with a bad key", ["--mailbox", "a@example.com", "--compare", "COMPARE_BAD"], "organization.useSmartMatchin"],
    ["a settings file without mailbox and no --mailbox", ["--settings", "SETTINGS_ORG_ONLY"], "has no mailbox.address"],
  ])("%s", async (_name, args, message) => {
    const eml = await file("two.eml", "From: a@example.org\r\nSubject: s\r\n\r\nbody");
    const notJson = await file("not-json.json", "{ organization: ");
    const recordsObject = await file("records-object.json", JSON.stringify({ records: [] }));
    const compareBad = await file("compare-bad.json", JSON.stringify({ organization: { useSmartMatchin: true } }));
    const orgOnly = await file("org-only.json", JSON.stringify({ organization: {} }));
    const named: Record<string, string> = { SETTINGS_NOT_JSON: notJson, RECORDS_OBJECT: recordsObject, COMPARE_BAD: compareBad, SETTINGS_ORG_ONLY: orgOnly };
    const argv = [eml, ...args].map((a) => named[a] ?? a);
    const result = await runFailing(argv);
    expect(result).toEqual({ code: 2, errors: expect.stringContaining(message), opened: false });
    expect(result.errors).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reports every bad record of a records file, not only the first", async () => {
    const eml = await file("four.eml", "From: a@example.org\r\nSubject: s\r\n\r\nbody");
    const valid = { type: "contact", id: "c1", emailAddresses: ["a@example.org"], createdOn: "2024-01-01T00:00:00Z" };
    const records = await file(
      "records-bad.json",
      JSON.stringify([valid, { ...valid, id: "c2", type: "person" }, "x", { ...valid, id: "c4", createdOn: "yesterday", emailAddresses: ["nope"] }]),
    );
    const result = await runFailing([eml, "--mailbox", "a@example.com", "--records", records]);
    expect(result.code).toBe(2);
    expect(result.errors.split("\n")).toEqual([
      `replay: ${records}: record [1]: type must be one of systemuser, contact, account, lead, equipment, team, businessunit, queue, custom (got "person")`,
      `replay: ${records}: record [2] must be an object`,
      `replay: ${records}: record [3]: emailAddresses[0] must be an email address (got "nope")`,
      `replay: ${records}: record [3]: createdOn is required, an ISO 8601 date-time with a zone (got "yesterday")`,
    ]);
  });

  it("reports every bad setting, one per line", async () => {
    const eml = await file("five.eml", "From: a@example.org\r\nSubject: s\r\n\r\nbody");
    const settings = await file("settings-two-bad.json", JSON.stringify({ organization: { useSmartMatchin: true, hashMaxCount: -1 } }));
    const result = await runFailing([eml, "--mailbox", "a@example.com", "--settings", settings]);
    expect(result.code).toBe(2);
    expect(result.errors.split("\n")).toHaveLength(2);
    expect(result.errors).toContain("useSmartMatchin");
    expect(result.errors).toContain("organization.hashMaxCount");
  });

  it("no path at all", async () => {
    expect((await runFailing(["--mailbox", "a@example.com"])).code).toBe(2);
  });

  it("--help exits 0", async () => {
    const out: string[] = [];
    const code = await main(["--help"], { openStore: async () => Promise.reject(new Error("no")), log: (l) => out.push(l), error: () => {} });
    expect([code, out.join("\n")]).toEqual([0, expect.stringContaining("--records <file>")]);
  });
});

describe("main: a full run", () => {
  it("exits 0, writes --out and disposes the store", async () => {
    const mail = await file(
      "hello.eml",
      "Message-ID: <hello@example.org>\r\nDate: Mon, 3 Feb 2025 10:00:00 +0000\r\nFrom: Priya <priya@example.org>\r\nTo: dana@example.com\r\nSubject: Hello\r\n\r\nHi",
    );
    const records = await file(
      "records.json",
      JSON.stringify([{ type: "contact", id: "c1", emailAddresses: ["priya@example.org"], createdOn: "2024-01-01T00:00:00Z" }]),
    );
    const out = path.join(temp, "out.jsonl");
    let disposed = false;
    const logged: string[] = [];
    const code = await main([mail, "--mailbox", "Dana@Example.com", "--records", records, "--out", out, "--no-progress"], {
      openStore: async () => {
        const opened = await openTestStore();
        return {
          store: opened.store,
          requestCount: opened.requestCount,
          dispose: async () => {
            disposed = true;
            await opened.dispose();
          },
        };
      },
      log: (line) => logged.push(line),
      error: (line) => logged.push(line),
    });
    const lines = (await readFile(out, "utf8")).trim().split("\n").map((l) => JSON.parse(l) as ReplayLine);
    expect(code).toBe(0);
    expect(disposed).toBe(true);
    // Mailbox settings default when only the address is given: the filter is responsesToTrackedEmail.
    expect(lines.map((l) => [l.file, l.internetMessageId, l.tracked, l.reason])).toEqual([
      [mail, "hello@example.org", false, "rejectedByFilter"],
    ]);
    expect(lines[0]?.sender?.records).toEqual([{ type: "contact", id: "c1" }]);
    expect(logged.join("\n")).toContain("rejectedByFilter");
  });

  it("exits 1 when the store cannot be opened", async () => {
    const mail = await file("three.eml", "From: a@example.org\r\nSubject: s\r\n\r\nbody");
    const errors: string[] = [];
    const code = await main([mail, "--mailbox", "a@example.com"], {
      openStore: async () => Promise.reject(new Error("connection refused")),
      log: () => {},
      error: (line) => errors.push(line),
    });
    expect([code, errors.join("\n")]).toEqual([1, expect.stringContaining("connection refused")]);
  });
});

describe("loadConfiguration", () => {
  it("--mailbox overrides the settings file's address and keeps its mailbox settings", async () => {
    const settings = await file(
      "settings-override.json",
      JSON.stringify({ mailbox: { address: "dana@example.com", incomingEmailFilter: "all" } }),
    );
    const config = await loadConfiguration({ settingsFile: settings, mailbox: "Marco@Example.com" });
    expect([config.mailbox.address, config.mailbox.incomingEmailFilter]).toEqual(["marco@example.com", "all"]);
  });

  it.each([
    ["the settings file's address", { mailbox: { address: "dana@example.com" } }, undefined, "dana@example.com", "responsesToTrackedEmail"],
    ["--mailbox alone gets default mailbox settings", { organization: {} }, "ops@example.com", "ops@example.com", "responsesToTrackedEmail"],
  ])("%s", async (_name, settingsJson, mailbox, address, filter) => {
    const settings = await file(`settings-${address}.json`, JSON.stringify(settingsJson));
    const config = await loadConfiguration({ settingsFile: settings, ...(mailbox ? { mailbox } : {}) });
    expect([config.mailbox.address, config.mailbox.incomingEmailFilter, config.records]).toEqual([address, filter, []]);
  });
});

describe("parseRecords", () => {
  const valid = { type: "contact", id: "c1", emailAddresses: ["a@example.org"], createdOn: "2024-01-01T00:00:00Z" };

  it("accepts a valid record and keeps optional fields", () => {
    const full = { ...valid, name: "Ann", active: false, ownerId: "u1" };
    expect(parseRecords([valid, { ...full, id: "c2" }])).toEqual([valid, { ...full, id: "c2" }]);
  });

  it.each([
    ["not an array", { records: [] }, "must be a JSON array"],
    ["an entry that is not an object", [valid, "x"], "record [1] must be an object"],
    ["an unknown type", [{ ...valid, type: "person" }], "record [0]: type must be one of"],
    ["a missing id", [{ ...valid, id: undefined }], "record [0]: id must be a non-empty string"],
    ["missing emailAddresses", [{ ...valid, emailAddresses: undefined }], "record [0]: emailAddresses is required"],
    ["a bad address", [valid, { ...valid, id: "c2", emailAddresses: ["a@example.org", "nope"] }], "record [1]: emailAddresses[1] must be an email address"],
    ["a missing createdOn", [{ ...valid, createdOn: undefined }], "record [0]: createdOn is required"],
    ["a createdOn without zone", [{ ...valid, createdOn: "2024-01-01T00:00:00" }], "record [0]: createdOn is required"],
    ["a non-boolean active", [{ ...valid, active: "yes" }], "record [0]: active must be true or false"],
    ["a non-string name", [{ ...valid, name: 3 }], "record [0]: name must be a string"],
    ["a non-string ownerId", [{ ...valid, ownerId: 3 }], "record [0]: ownerId must be a string"],
    ["an unknown field", [{ ...valid, email: "a@example.org" }], "record [0]: email is not a record field"],
    ["a duplicate", [valid, valid], "record [1]: duplicate record contact/c1"],
  ])("rejects %s", (_name, input, message) => {
    expect(() => parseRecords(JSON.parse(JSON.stringify(input)), "records.json")).toThrow(ReplayUsageError);
    expect(() => parseRecords(JSON.parse(JSON.stringify(input)), "records.json")).toThrow(`records.json: ${message}`);
  });
});

describe("folderOf", () => {
  const message = (from: string, headers: Array<{ name: string; value: string }> = []): GraphMessage => ({
    id: "m1",
    from: { emailAddress: { address: from } },
    internetMessageHeaders: headers,
  });

  it.each([
    ["mail from the mailbox is in Sent Items", message("dana@example.com"), { kind: "sentitems" }],
    ["the mailbox address compares case-insensitively", message("Dana@Example.COM"), { kind: "sentitems" }],
    ["mail from others is in the Inbox", message("priya@example.org"), { kind: "inbox" }],
    ["X-Folder names a tracked folder", message("priya@example.org", [{ name: "X-Folder", value: " Customers/Fabrikam " }]), { kind: "tracked", name: "Customers/Fabrikam" }],
    ["X-Folder wins over Sent Items", message("dana@example.com", [{ name: "x-folder", value: "Archive" }]), { kind: "tracked", name: "Archive" }],
    ["an empty X-Folder is ignored", message("priya@example.org", [{ name: "X-Folder", value: " " }]), { kind: "inbox" }],
    ["no From: Inbox", { id: "m2" } as GraphMessage, { kind: "inbox" }],
  ])("%s", (_name, msg, folder) => {
    expect(folderOf(msg, "dana@example.com")).toEqual(folder);
  });
});

describe("which store npm run replay opens", () => {
  it.each([
    ["nothing asked: memory", {}, {}, "memory"],
    ["--cosmos without an endpoint: the embedded server", { cosmos: true }, {}, "embedded"],
    ["COSMOS_ENDPOINT set: that account, with or without --cosmos", {}, { COSMOS_ENDPOINT: "https://localhost:8081/" }, "account"],
    ["COSMOS_ENDPOINT set and --cosmos", { cosmos: true }, { COSMOS_ENDPOINT: "https://localhost:8081/" }, "account"],
    ["an empty COSMOS_ENDPOINT counts as unset", {}, { COSMOS_ENDPOINT: "" }, "memory"],
  ])("%s", (_name, options, env, kind) => {
    expect(replayStoreKind(options, env)).toBe(kind);
  });
});
