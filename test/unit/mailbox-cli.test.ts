// The mailbox admin command: argument parsing (every option, default and bad input) and the output
// formatting, without any service; main() with a stub for the exit codes.
import { describe, expect, it } from "vitest";
import type { MailboxSyncState, SubscriptionRecord } from "../../src/app/ports.js";
import {
  formatDisabled,
  formatEnabled,
  formatExpiry,
  formatMailboxList,
  formatMailboxStatus,
  main,
  MailboxUsageError,
  parseMailboxArgs,
} from "../../src/cli/mailbox.js";
import { AppSettingsError } from "../../src/config/index.js";
import { parseMailboxSettings } from "../../src/domain/settings.js";
import type { Services } from "../../src/host/services.js";

const files: Record<string, string> = {
  "wrapped.json": JSON.stringify({ mailbox: { address: "dana@example.com", incomingEmailFilter: "all", kind: "user" } }),
  "bare.json": JSON.stringify({ incomingEmailFilter: "fromLeadsContactsAccounts", trackedFolders: [{ folder: "Customers/A", regarding: { type: "account", id: "a" } }] }),
  "other.json": JSON.stringify({ mailbox: { address: "someone@example.com" } }),
  "org.json": JSON.stringify({ organization: { useSmartMatching: true }, mailbox: {} }),
  "broken.json": "{nope",
  "array.json": "[]",
};
const readTextFile = async (file: string) => {
  const text = files[file];
  if (text === undefined) throw new Error(`ENOENT: ${file}`);
  return text;
};
const parse = (argv: string[]) => parseMailboxArgs(argv, { readTextFile, out: () => {} });

describe("parseMailboxArgs", () => {
  it.each([
    [["list"], { kind: "list" }],
    [["disable", "Dana@Example.com"], { kind: "disable", address: "dana@example.com" }],
    [["status", " dana@example.com "], { kind: "status", address: "dana@example.com" }],
    [["--help"], { kind: "help" }],
  ])("%j → %j", async (argv, expected) => {
    expect(await parse(argv)).toEqual(expected);
  });

  it.each([
    [["enable", "dana@example.com"], { address: "dana@example.com", kind: "user", incomingEmailFilter: parseMailboxSettings({ address: "x@example.com" }).incomingEmailFilter }],
    [["enable", "support@example.com", "--kind", "queue"], { address: "support@example.com", kind: "queue" }],
    [["enable", "dana@example.com", "--filter", "all"], { incomingEmailFilter: "all" }],
    [["enable", "dana@example.com", "--start", "2025-02-01T00:00:00Z"], { processEmailReceivedAfter: "2025-02-01T00:00:00Z" }],
    [["enable", "dana@example.com", "--settings", "wrapped.json"], { incomingEmailFilter: "all", kind: "user" }],
    [["enable", "dana@example.com", "--settings", "bare.json"], { incomingEmailFilter: "fromLeadsContactsAccounts", trackedFolders: [{ folder: "Customers/A", regarding: { type: "account", id: "a" } }] }],
    // Options win over the file.
    [["enable", "dana@example.com", "--settings", "wrapped.json", "--filter", "none"], { incomingEmailFilter: "none" }],
  ])("enable %j", async (argv, expected) => {
    const command = await parse(argv);
    expect(command.kind).toBe("enable");
    if (command.kind === "enable") {
      expect(command.settings).toMatchObject(expected);
      expect(command.settings.enabled).toBe(true);
    }
  });

  it("leaves the start date unset when not given, so enabling keeps the stored one or uses now", async () => {
    const command = await parse(["enable", "dana@example.com"]);
    expect(command.kind === "enable" && command.settings.processEmailReceivedAfter).toBeFalsy();
  });

  it.each([
    [[], /a command is required/],
    [["bogus"], /unknown command 'bogus'/],
    [["enable"], /missing required argument 'address'/],
    [["status"], /missing required argument 'address'/],
    [["enable", "not-an-address"], /"not-an-address" is not an email address/],
    [["disable", "x"], /"x" is not an email address/],
    [["enable", "a@example.com", "--kind", "shared"], /Allowed choices are user, queue/],
    [["enable", "a@example.com", "--filter", "everything"], /incomingEmailFilter must be one of/],
    [["enable", "a@example.com", "--start", "yesterday"], /--start must be an ISO 8601 date-time/],
    [["enable", "a@example.com", "--start", "2025-02-01"], /--start must be an ISO 8601 date-time/],
    [["enable", "a@example.com", "--settings", "missing.json"], /cannot read missing.json/],
    [["enable", "a@example.com", "--settings", "broken.json"], /broken.json is not valid JSON/],
    [["enable", "a@example.com", "--settings", "array.json"], /must hold a JSON object/],
    [["enable", "a@example.com", "--settings", "other.json"], /is for mailbox someone@example.com, not a@example.com/],
    [["enable", "a@example.com", "--settings", "org.json"], /has an organization section/],
    [["enable", "a@example.com", "--unknown"], /unknown option '--unknown'/],
    [["list", "extra"], /too many arguments|unknown/],
  ])("rejects %j", async (argv, message) => {
    const error = await parse(argv).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MailboxUsageError);
    expect((error as Error).message).toMatch(message);
  });
});

const NOW = new Date("2025-03-01T12:00:00Z");
const dana = parseMailboxSettings({ address: "dana@example.com", incomingEmailFilter: "fromLeadsContactsAccounts", processEmailReceivedAfter: "2025-02-01T00:00:00Z" });
const support = parseMailboxSettings({ address: "support@example.com", kind: "queue", enabled: false });
const subscription = (folder: "inbox" | "sentitems", expirationDateTime: string): SubscriptionRecord => ({
  id: `sub-${folder}`,
  mailbox: "dana@example.com",
  folder,
  resource: `users/dana@example.com/mailFolders('${folder}')/messages`,
  expirationDateTime,
  createdOn: "2025-03-01T10:00:00Z",
});

describe("formatExpiry", () => {
  it.each([
    ["2025-03-01T12:05:00Z", "in 5 min"],
    ["2025-03-01T14:30:00Z", "in 2 h 30 min"],
    ["2025-03-04T15:00:00Z", "in 3 d 3 h"],
    ["2025-03-01T11:57:00Z", "expired 3 min ago"],
    ["not a date", "unknown"],
  ])("%s → %s", (expiry, expected) => {
    expect(formatExpiry(expiry, NOW)).toBe(expected);
  });
});

describe("output", () => {
  const report = { created: 2, renewed: 0, recreated: 0, deleted: 1, failed: 0 };

  it("enable names the mailbox, its filter, the start date and the subscription counts", () => {
    const text = formatEnabled(dana, report);
    expect(text).toContain("Enabled dana@example.com (user mailbox, incoming filter fromLeadsContactsAccounts; mail received after 2025-02-01T00:00:00Z)");
    expect(text).toContain("subscriptions: 2 created, 0 renewed, 0 recreated, 1 deleted, 0 failed");
  });

  it("disable names the mailbox and the deleted subscriptions", () => {
    expect(formatDisabled("dana@example.com", { ...report, created: 0, deleted: 2 })).toBe(
      "Disabled dana@example.com\nsubscriptions: 0 created, 0 renewed, 0 recreated, 2 deleted, 0 failed",
    );
  });

  it("list: one row per mailbox, sorted, with its subscribed folders and the next expiry", () => {
    const text = formatMailboxList([support, dana], [subscription("sentitems", "2025-03-02T12:00:00Z"), subscription("inbox", "2025-03-01T13:00:00Z")], NOW);
    const rows = text.split("\n").filter((line) => line.includes("@example.com"));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/dana@example\.com.*user.*yes.*fromLeadsContactsAccounts.*inbox, sentitems.*in 1 h 0 min/);
    expect(rows[1]).toMatch(/support@example\.com.*queue.*no.*none.*-/);
  });

  it("list without mailboxes says how to enable one", () => {
    expect(formatMailboxList([], [], NOW)).toMatch(/No mailboxes are configured.*npm run mailbox -- enable/);
  });

  it("status shows settings, each subscription with its expiry, delta links and the latest events", () => {
    const syncState: MailboxSyncState = {
      mailbox: "dana@example.com",
      deltaLinks: { inbox: "https://graph.example/delta?$deltatoken=x" },
      caughtUpAt: { inbox: "2025-03-01T11:00:00Z" },
      events: [
        { at: "2025-03-01T11:30:00Z", level: "warning", code: "delta.expired", message: "delta link expired" },
        { at: "2025-03-01T11:00:00Z", level: "information", code: "catchUp.tracked", message: "tracked 2", messageId: "m1" },
      ],
    };
    const text = formatMailboxStatus({
      address: "dana@example.com",
      mailbox: dana,
      subscriptions: [subscription("sentitems", "2025-03-03T12:00:00Z"), subscription("inbox", "2025-03-01T13:00:00Z")],
      syncState,
      now: NOW,
    });
    expect(text).toContain("dana@example.com: enabled user mailbox");
    expect(text).toContain("Subscriptions (2):");
    expect(text).toMatch(/inbox.*sub-inbox.*2025-03-01T13:00:00Z \(in 1 h 0 min\)/);
    expect(text).toMatch(/sentitems.*sub-sentitems.*\(in 2 d 0 h\)/);
    expect(text).toContain("  inbox: present, caught up 2025-03-01T11:00:00Z");
    expect(text).toContain("  sentitems: none");
    expect(text).toContain("Last events (2):");
    expect(text.indexOf("delta.expired")).toBeLessThan(text.indexOf("catchUp.tracked"));
    expect(text).toContain("(message m1)");
  });

  it.each([
    [1, 1],
    [10, 2],
  ])("status shows at most %i events", (maxEvents, shown) => {
    const events = [
      { at: "2025-03-01T11:30:00Z", level: "error" as const, code: "a", message: "first" },
      { at: "2025-03-01T11:00:00Z", level: "error" as const, code: "b", message: "second" },
    ];
    const text = formatMailboxStatus({ address: "x@example.com", subscriptions: [], syncState: { mailbox: "x@example.com", deltaLinks: {}, caughtUpAt: {}, events }, now: NOW, maxEvents });
    expect(text).toContain(`Last events (${shown}):`);
    expect(text).toContain("x@example.com: not configured");
  });
});

describe("main exit codes", () => {
  function stubServices(overrides: { mailbox?: ReturnType<typeof parseMailboxSettings>; failed?: number } = {}): Services {
    const report = { created: 2, renewed: 0, recreated: 0, deleted: 0, failed: overrides.failed ?? 0 };
    return {
      store: { settings: { getMailbox: async () => overrides.mailbox, listMailboxes: async () => [] } },
      live: { subscriptions: { listSubscriptions: async () => [] }, syncState: { getSyncState: async () => undefined } },
      mailboxes: {
        enableMailbox: async (input: unknown) => ({ mailbox: parseMailboxSettings(input), subscriptions: report }),
        disableMailbox: async () => ({ subscriptions: report }),
      },
      dispose: async () => {},
    } as unknown as Services;
  }
  const run = async (argv: string[], services: Services | Error) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, {
      env: {},
      createServices: async () => {
        if (services instanceof Error) throw services;
        return services;
      },
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      now: () => NOW,
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };

  it.each([
    ["enable succeeds", ["enable", "dana@example.com"], stubServices(), 0, /Enabled dana@example.com/],
    ["a failed subscription", ["enable", "dana@example.com"], stubServices({ failed: 1 }), 1, /1 failed/],
    ["disable of a configured mailbox", ["disable", "dana@example.com"], stubServices({ mailbox: dana }), 0, /Disabled/],
    ["disable of an unknown mailbox", ["disable", "dana@example.com"], stubServices(), 2, /not configured/],
    ["status of an unknown mailbox", ["status", "dana@example.com"], stubServices(), 2, /not configured/],
    ["list", ["list"], stubServices(), 0, /No mailboxes/],
    ["bad input, before any service", ["enable", "nope"], new Error("must not be called"), 2, /not an email address/],
    ["unreachable services", ["list"], new Error("ECONNREFUSED"), 1, /cannot reach the store or Graph: ECONNREFUSED/],
    ["invalid app settings", ["list"], new AppSettingsError([{ name: "GRAPH_TENANT_ID", kind: "missing", message: "GRAPH_TENANT_ID is required" }]), 2, /GRAPH_TENANT_ID is required/],
  ])("%s → exit %i", async (_name, argv, services, code, output) => {
    const result = await run(argv as string[], services as Services | Error);
    expect(result.code).toBe(code);
    expect(`${result.out}\n${result.err}`).toMatch(output as RegExp);
  });
});
