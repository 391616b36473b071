// The example mailbox replayed end to end: MIME parsing, the tracker and the store, checked line by
// line against examples/expected.json — on the in-memory store (the replay's default) and on Cosmos
// DB (the embedded server, or COSMOS_ENDPOINT), and the two must decide every message alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { main, runReplay, type ReplayLine, type ReplaySummary } from "../../src/cli/replay.js";
import type { CorrelationMethod, RecordRef } from "../../src/domain/types.js";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import type { TrackingStore } from "../../src/app/ports.js";
import { openTestStore, type TestStore } from "../support/cosmos.js";

/** A store as the replay gets it: Cosmos DB counts its requests, memory has none to count. */
interface ReplayTestStore {
  store: TrackingStore;
  requestCount?: () => number;
  dispose(): Promise<void>;
}

const STORES: Array<[string, () => Promise<ReplayTestStore>]> = [
  ["the in-memory store", async () => ({ store: createMemoryTrackingStore(), dispose: async () => {} })],
  ["Cosmos DB", openTestStore],
];
/** Each store's lines, for the check that both decide alike. */
const linesByStore = new Map<string, ReplayLine[]>();

const EXAMPLES = path.resolve("examples");
const MAILBOX_DIR = path.join(EXAMPLES, "mailbox");
const SETTINGS = path.join(EXAMPLES, "settings.json");
const RECORDS = path.join(EXAMPLES, "records.json");

interface Expected {
  tracked: boolean;
  reason: string;
  correlation: CorrelationMethod;
  correlatedWith?: string;
  regarding?: RecordRef;
  scope?: string;
  automated?: Array<"autoReply" | "bulk">;
}

const expectedFile = JSON.parse(await readFile(path.join(EXAMPLES, "expected.json"), "utf8")) as {
  files: Record<string, Expected>;
};
const expected = expectedFile.files;
const emlFiles = (await readdir(MAILBOX_DIR)).filter((f) => f.endsWith(".eml")).sort();

async function readLines(file: string): Promise<ReplayLine[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ReplayLine);
}

const quiet = { progress: false, log: () => {} };

describe.each(STORES)("replay of examples/mailbox on %s", (storeName, openStore) => {
  let testStore: ReplayTestStore;
  let temp: string;
  let first: ReplaySummary;
  let lines: ReplayLine[];
  const byFile = new Map<string, ReplayLine>();

  beforeAll(async () => {
    testStore = await openStore();
    temp = await mkdtemp(path.join(tmpdir(), "replay-examples-"));
    const out = path.join(temp, "out.jsonl");
    first = await runReplay({
      paths: [MAILBOX_DIR],
      settingsFile: SETTINGS,
      recordsFile: RECORDS,
      out,
      store: testStore.store,
      ...(testStore.requestCount ? { requestCount: testStore.requestCount } : {}),
      ...quiet,
    });
    lines = await readLines(out);
    linesByStore.set(storeName, lines);
    for (const line of lines) byFile.set(path.basename(line.file), line);
  });

  afterAll(async () => {
    await testStore?.dispose();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it("has an expectation for every example file, and a line for each", () => {
    expect(Object.keys(expected).sort()).toEqual(emlFiles);
    expect(emlFiles.length).toBeGreaterThanOrEqual(15);
    expect([...byFile.keys()].sort()).toEqual(emlFiles);
    expect(lines).toHaveLength(emlFiles.length);
  });

  it.each(emlFiles)("%s decides as expected.json says", (file) => {
    const want = expected[file];
    const line = byFile.get(file);
    if (!want || !line) throw new Error(`no expectation or no line for ${file}`);
    expect({ tracked: line.tracked, reason: line.reason, correlation: line.correlation.method }).toEqual({
      tracked: want.tracked,
      reason: want.reason,
      correlation: want.correlation,
    });
    if (want.correlatedWith) {
      const parent = byFile.get(want.correlatedWith);
      expect(parent?.activityId).toBeDefined();
      expect(line.correlation).toEqual({
        method: want.correlation,
        activityId: parent?.activityId,
        internetMessageId: parent?.internetMessageId,
      });
    } else {
      expect(line.correlation).toEqual({ method: "none" });
    }
    expect(line.regarding).toEqual(want.regarding);
    expect(line.scope).toEqual(want.scope);
    expect(line.automated?.autoReply).toBe(want.automated?.includes("autoReply") ?? false);
    expect(line.automated?.bulk).toBe(want.automated?.includes("bulk") ?? false);
    expect(line.created).toBe(want.tracked);
    expect(line.activityId !== undefined).toBe(want.tracked);
  });

  it("exercises every correlation method", () => {
    const methods = new Set(lines.map((l) => l.correlation.method));
    const all: CorrelationMethod[] = ["inReplyTo", "references", "trackingToken", "conversationIndex", "smartMatching", "none"];
    expect([...methods].sort()).toEqual([...all].sort());
  });

  it.each([
    ["16-queue-support.eml", "support@example.com", [{ type: "queue", id: "que-support" }]],
    ["13-forward-with-token.eml", "raj.patel@example.org", []],
    ["14-internal-with-customer-sent.eml", "marco.li@example.com", [{ type: "systemuser", id: "usr-marco" }]],
  ])("%s resolves recipient %s", (file, address, records) => {
    const party = byFile.get(file)?.recipients.find((r) => r.address === address);
    expect(party?.records).toEqual(records);
  });

  it.each([
    ["19-iso-8859-1.eml", "Jürgen Weiß", [{ type: "contact", id: "con-juergen" }]],
    // The inactive duplicate contact for Tom is never resolved.
    ["04-reply-references-only.eml", "Tom Becker", [{ type: "contact", id: "con-tom" }]],
    ["01-crm-quote-sent.eml", "Dana Reyes", [{ type: "systemuser", id: "usr-dana" }]],
  ])("%s resolves the sender %s", (file, name, records) => {
    const sender = byFile.get(file)?.sender;
    expect([sender?.name, sender?.records]).toEqual([name, records]);
  });

  it("stores the decoded ISO-8859-1 subject and a synthetic Message-ID for mail without one", async () => {
    const latin = byFile.get("19-iso-8859-1.eml");
    const activity = await testStore.store.activities.getActivity(latin?.activityId ?? "");
    expect(activity?.subject).toBe("Bestellung für März");
    expect(activity?.body?.content).toContain("Grüße aus München");
    const noId = byFile.get("20-no-message-id.eml");
    expect(noId?.internetMessageId).toMatch(/^synthetic\..+@/);
  });

  it("summarises by reason and correlation method, counting Cosmos DB requests", () => {
    const count = (pick: (l: ReplayLine) => string) =>
      lines.reduce<Record<string, number>>((acc, l) => ({ ...acc, [pick(l)]: (acc[pick(l)] ?? 0) + 1 }), {});
    expect(first.byReason).toEqual(count((l) => l.reason));
    expect(first.byMethod).toEqual(count((l) => l.correlation.method));
    expect(first.messages).toBe(emlFiles.length);
    expect(first.tracked).toBe(Object.values(expected).filter((e) => e.tracked).length);
    expect(first.created).toBe(first.tracked);
    expect(first.unreadable).toEqual([]);
    if (testStore.requestCount) {
      expect(first.requests).toBeGreaterThan(0);
      expect(first.requestsPerMessage).toBeCloseTo((first.requests ?? 0) / emlFiles.length);
    } else {
      expect([first.requests, first.requestsPerMessage]).toEqual([undefined, undefined]);
    }
  });

  it("creates nothing on a second run against the same store (exactly once)", async () => {
    const second = await runReplay({
      paths: [MAILBOX_DIR],
      settingsFile: SETTINGS,
      recordsFile: RECORDS,
      store: testStore.store,
      ...quiet,
    });
    expect(second.created).toBe(0);
    for (const line of second.lines) {
      const earlier = byFile.get(path.basename(line.file));
      expect([line.file, line.tracked, line.activityId]).toEqual([line.file, earlier?.tracked, earlier?.activityId]);
      expect(line.reason).toBe(earlier?.tracked ? "alreadyTracked" : earlier?.reason);
    }
  });
});

describe("the in-memory store and Cosmos DB", () => {
  it("decide every example message alike, line for line", () => {
    const [memory, cosmos] = STORES.map(([name]) => linesByStore.get(name));
    expect(memory).toHaveLength(emlFiles.length);
    expect(memory).toEqual(cosmos);
  });
});

// ---- bad input ------------------------------------------------------------------------------------

const CRLF = "\r\n";
function eml(headers: string[], body: string | Buffer): Buffer {
  const head = Buffer.from([...headers, "", ""].join(CRLF), "latin1");
  return Buffer.concat([head, typeof body === "string" ? Buffer.from(body, "latin1") : body]);
}
const mailbox = "dana.reyes@example.com";
const common = (id: string, subject: string, date: string) => [
  `Message-ID: <${id}@example.org>`,
  `Date: ${date}`,
  "From: Priya Nair <priya.nair@example.org>",
  `To: ${mailbox}`,
  `Subject: ${subject}`,
  "MIME-Version: 1.0",
];

describe("replay of bad input", () => {
  let testStore: TestStore;
  let temp: string;
  let summary: ReplaySummary;
  const byFile = new Map<string, ReplayLine>();

  beforeAll(async () => {
    testStore = await openTestStore();
    temp = await mkdtemp(path.join(tmpdir(), "replay-bad-"));
    const dir = path.join(temp, "in");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir));
    const files: Record<string, Buffer> = {
      "empty.eml": Buffer.alloc(0),
      "garbage.eml": Buffer.from([0x00, 0xff, 0x13, 0x9c, 0x00, 0x0a, 0x80, 0x00, 0xfe]),
      "bad-thread-index.eml": eml(
        [...common("bad-ti", "Thread index broken", "Mon, 3 Feb 2025 10:00:00 +0000"), "Thread-Index: AQHb!!not-base64", "Content-Type: text/plain"],
        "hello",
      ),
      "no-message-id.eml": eml(
        [...common("x", "No id here", "Mon, 3 Feb 2025 11:00:00 +0000").filter((h) => !h.startsWith("Message-ID")), "Content-Type: text/plain"],
        "no id",
      ),
      "big.eml": eml(
        [...common("big", "A very long body", "Mon, 3 Feb 2025 12:00:00 +0000"), "Content-Type: text/plain; charset=utf-8"],
        "0123456789 abcdefghij klmnopqrst uvwxyz\r\n".repeat(Math.ceil((10 * 1024 * 1024) / 41)),
      ),
      "windows-1252.eml": eml(
        [
          ...common("cp1252", "=?windows-1252?Q?=93Price=94_list_=80?=", "Mon, 3 Feb 2025 13:00:00 +0000"),
          "Content-Type: text/plain; charset=windows-1252",
          "Content-Transfer-Encoding: 8bit",
        ],
        Buffer.from([0x93, 0x50, 0x72, 0x69, 0x63, 0x65, 0x73, 0x94, 0x20, 0x80, 0x35]),
      ),
      "invalid-date.eml": eml(
        [...common("nodate", "No usable date", "the day after tomorrow"), "Content-Type: text/plain"],
        "undated",
      ),
      "broken-multipart.eml": eml(
        [...common("broken", "Broken MIME", "Mon, 3 Feb 2025 14:00:00 +0000"), "Content-Type: multipart/mixed; boundary=zz"],
        "--zz\r\nContent-Type: text/plain\r\n\r\nnever closed",
      ),
    };
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    const mbox = [
      "From priya.nair@example.org Mon Feb  3 15:00:00 2025",
      ...common("mbox-1", "First in the archive", "Mon, 3 Feb 2025 15:00:00 +0000"),
      "",
      ">From the archive, with love",
      "",
      "From priya.nair@example.org Mon Feb  3 16:00:00 2025",
      ...common("mbox-2", "Second in the archive", "Mon, 3 Feb 2025 16:00:00 +0000"),
      "",
      "second body",
      "",
    ].join("\n");
    await writeFile(path.join(temp, "archive.mbox"), mbox);
    const records = [
      { type: "systemuser", id: "usr-dana", emailAddresses: [mailbox], createdOn: "2022-03-01T08:00:00Z" },
      { type: "contact", id: "con-priya", emailAddresses: ["priya.nair@example.org"], createdOn: "2023-04-02T10:05:00Z" },
    ];
    await writeFile(path.join(temp, "records.json"), JSON.stringify(records));
    const settings = { mailbox: { address: mailbox, incomingEmailFilter: "fromLeadsContactsAccounts" } };
    await writeFile(path.join(temp, "settings.json"), JSON.stringify(settings));
    summary = await runReplay({
      paths: [dir, path.join(temp, "archive.mbox")],
      recordsFile: path.join(temp, "records.json"),
      settingsFile: path.join(temp, "settings.json"),
      out: path.join(temp, "out.jsonl"),
      store: testStore.store,
      ...quiet,
    });
    for (const line of await readLines(path.join(temp, "out.jsonl"))) byFile.set(path.basename(line.file), line);
  });

  afterAll(async () => {
    await testStore?.dispose();
    if (temp) await rm(temp, { recursive: true, force: true });
  });

  it("writes one line per input message, unreadable ones included", () => {
    expect([...byFile.keys()].sort()).toEqual(
      [
        "archive.mbox#1",
        "archive.mbox#2",
        "bad-thread-index.eml",
        "big.eml",
        "broken-multipart.eml",
        "empty.eml",
        "garbage.eml",
        "invalid-date.eml",
        "no-message-id.eml",
        "windows-1252.eml",
      ].sort(),
    );
    expect(summary.messages).toBe(10);
  });

  it.each([
    ["empty.eml", "unreadable: empty file"],
    ["garbage.eml", "unreadable: no message headers"],
  ])("%s is reported as %s", (file, reason) => {
    const line = byFile.get(file);
    expect([line?.tracked, line?.created, line?.reason.startsWith(reason)]).toEqual([false, false, true]);
    expect(summary.unreadable.map((u) => path.basename(u.file))).toContain(file);
  });

  it.each(["bad-thread-index.eml", "no-message-id.eml", "big.eml", "windows-1252.eml", "invalid-date.eml", "broken-multipart.eml", "archive.mbox#1", "archive.mbox#2"])(
    "%s is tracked despite its flaws",
    (file) => {
      const line = byFile.get(file);
      expect([line?.tracked, line?.reason]).toEqual([true, "acceptedByFilter"]);
    },
  );

  it.each([
    ["bad-thread-index.eml", "ConversationIndex ignored"],
    ["no-message-id.eml", "no Message-ID"],
  ])("%s carries a warning about %s", (file, warning) => {
    expect(byFile.get(file)?.warnings.some((w) => w.includes(warning))).toBe(true);
  });

  it.each([
    ["windows-1252.eml", "\u201cPrice\u201d list €", "\u201cPrices\u201d €5"],
    ["archive.mbox#1", "First in the archive", "From the archive, with love"],
  ])("%s is stored decoded", async (file, subject, body) => {
    const activity = await testStore.store.activities.getActivity(byFile.get(file)?.activityId ?? "");
    expect(activity?.subject).toBe(subject);
    expect(activity?.body?.content.trim()).toBe(body);
  });

  it("truncates the 10 MB body in the stored activity", async () => {
    const activity = await testStore.store.activities.getActivity(byFile.get("big.eml")?.activityId ?? "");
    expect(activity?.bodyTruncated).toBe(true);
    expect(Buffer.byteLength(activity?.body?.content ?? "", "utf8")).toBeLessThanOrEqual(1_000_000);
  });

  it("replays undated messages last", () => {
    // Undated (and unreadable) ones keep their input order (sorted paths) after every dated one.
    const files = summary.lines.map((l) => path.basename(l.file));
    expect(files.slice(-3)).toEqual(["empty.eml", "garbage.eml", "invalid-date.eml"]);
  });
});
