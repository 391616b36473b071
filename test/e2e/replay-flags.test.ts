// The replay's command line, flag by flag, on the example mailbox and the in-memory store (the
// replay's default): --mailbox alone, the per-message table and --details, CRM-sent mail and
// --no-crm-sent, --activities (replay lines, exported activities, bad lines), --compare, --cosmos,
// and the warnings about the configuration.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createMemoryTrackingStore } from "../../src/adapters/memory/index.js";
import { main, type ReplayLine } from "../../src/cli/replay.js";
import { openEmbeddedTestStore } from "../support/cosmos.js";

const EXAMPLES = path.resolve("examples");
const MAILBOX_DIR = path.join(EXAMPLES, "mailbox");
const SETTINGS = path.join(EXAMPLES, "settings.json");
const RECORDS = path.join(EXAMPLES, "records.json");
const DANA = "dana.reyes@example.com";

let temp: string;
beforeAll(async () => {
  temp = await mkdtemp(path.join(tmpdir(), "replay-flags-"));
});
afterAll(async () => {
  if (temp) await rm(temp, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  errors: string;
  opened: Array<{ cosmos: boolean; side: string }>;
}

/** main on memory stores, recording which stores were asked for. */
async function replay(argv: string[]): Promise<Run> {
  const out: string[] = [];
  const errors: string[] = [];
  const opened: Run["opened"] = [];
  const code = await main([...argv, "--no-progress"], {
    openStore: async (options) => {
      opened.push(options);
      return { store: createMemoryTrackingStore(), dispose: async () => {} };
    },
    log: (line) => out.push(line),
    error: (line) => errors.push(line),
  });
  return { code, out: out.join("\n"), errors: errors.join("\n"), opened };
}

async function readJsonLines<T = ReplayLine>(file: string): Promise<T[]> {
  return (await readFile(file, "utf8"))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);
}

const byName = (lines: ReplayLine[]) => new Map(lines.map((line) => [path.basename(line.file), line]));

/** A directory holding some of the example files. */
async function someExamples(name: string, files: string[]): Promise<string> {
  const dir = path.join(temp, name);
  await mkdir(dir, { recursive: true });
  for (const file of files) await copyFile(path.join(MAILBOX_DIR, file), path.join(dir, file));
  return dir;
}

describe("--mailbox alone", () => {
  let run: Run;
  let lines: Map<string, ReplayLine>;

  beforeAll(async () => {
    const out = path.join(temp, "mailbox-alone.jsonl");
    run = await replay([MAILBOX_DIR, "--mailbox", DANA, "--records", RECORDS, "--out", out]);
    lines = byName(await readJsonLines(out));
  });

  it("is enough: exit 0 on the memory store, default settings", () => {
    expect([run.code, run.errors]).toEqual([0, ""]);
    expect(run.opened).toEqual([{ cosmos: false, side: "base" }]);
  });

  it("tracks the CRM's own mail (Sent Items with a tracking token) as sentByApp", () => {
    expect(["01-crm-quote-sent.eml", "05-crm-renewal-sent.eml"].map((f) => [f, lines.get(f)?.tracked, lines.get(f)?.reason])).toEqual([
      ["01-crm-quote-sent.eml", true, "sentByApp"],
      ["05-crm-renewal-sent.eml", true, "sentByApp"],
    ]);
    // Sent Items without a token is Outlook mail: the default autoTrackSentFolderItems (false) skips it.
    expect(lines.get("03-delivery-schedule-sent.eml")?.reason).toBe("sentItemsNotAutoTracked");
  });

  it("so the default filter (responses to tracked email) tracks the replies", () => {
    const reply = lines.get("02-reply-in-reply-to.eml");
    expect([reply?.tracked, reply?.reason, reply?.correlation.method, reply?.correlation.activityId]).toEqual([
      true,
      "acceptedByFilter",
      "inReplyTo",
      lines.get("01-crm-quote-sent.eml")?.activityId,
    ]);
    expect(lines.get("11-reply-token-only.eml")?.correlation.method).toBe("trackingToken");
    expect(lines.get("10-unknown-sender.eml")?.reason).toBe("rejectedByFilter");
  });

  it("writes subject, sentOn, folder and from on every line", () => {
    expect(lines.get("19-iso-8859-1.eml")).toMatchObject({
      subject: "Bestellung für März",
      sentOn: "2025-02-20T08:48:00.000Z",
      folder: { kind: "inbox" },
      from: "juergen.weiss@example.org",
    });
    expect(lines.get("01-crm-quote-sent.eml")?.folder).toEqual({ kind: "sentitems" });
    expect(lines.get("17-tracked-folder.eml")?.folder).toEqual({ kind: "tracked", name: "Customers/Fabrikam" });
    expect(lines.get("01-crm-quote-sent.eml")?.trackingToken).toBe("CRM:0001001");
  });

  it("writes the tracker's explanation: the sentence (why) and the trace (explanation)", () => {
    const reply = lines.get("02-reply-in-reply-to.eml");
    expect(reply?.why).toContain("because its In-Reply-To names <crm.7f3a91c2.0001001@crm.example.com>");
    expect(reply?.explanation?.outcome).toMatchObject({ tracked: true, reason: "acceptedByFilter" });
    expect(reply?.explanation?.gates.length).toBeGreaterThan(0);
    expect(lines.get("10-unknown-sender.eml")?.why).toMatch(/^Not tracked: /);
  });

  it("shows the per-message table for 20 messages without --details", () => {
    expect(run.out).toContain("date (UTC)");
    const row = run.out.split("\n").find((line) => line.includes("02-reply-in-reply-to.eml"));
    expect(row).toMatch(/2025-02-04 19:30 .*priya\.nair@example\.org .*RE: Your quote Q-1043 .*tracked: .*inReplyTo →/);
    expect(run.out).toContain("01-crm-quote-sent.eml");
    // The explanation is the row beneath each message.
    expect(run.out).toMatch(/│ why: Linked to 'Your quote Q-1043 CRM:0001001' because its In-Reply-To names/);
  });
});

describe("the per-message table", () => {
  let manyDir: string;
  beforeAll(async () => {
    manyDir = path.join(temp, "many");
    await mkdir(manyDir);
    for (let i = 1; i <= 51; i++) {
      const n = String(i).padStart(2, "0");
      await writeFile(
        path.join(manyDir, `m${n}.eml`),
        `Message-ID: <m${n}@example.org>\r\nDate: Mon, 3 Feb 2025 10:${n}:00 +0000\r\nFrom: a@example.org\r\nTo: ${DANA}\r\nSubject: Message ${n}\r\n\r\nbody`,
      );
    }
  });

  it.each([
    ["51 messages: not shown by default", [], false],
    ["51 messages with --details: shown", ["--details"], true],
  ])("%s", async (_name, flags, shown) => {
    const run = await replay([manyDir, "--mailbox", DANA, ...flags]);
    expect(run.code).toBe(0);
    expect(run.out.includes("date (UTC)")).toBe(shown);
    expect(run.out).toContain("rejectedByFilter"); // the summary is always there
  });

  it("--no-details hides it for a small run", async () => {
    const run = await replay([MAILBOX_DIR, "--mailbox", DANA, "--no-details"]);
    expect([run.code, run.out.includes("date (UTC)")]).toEqual([0, false]);
  });

  it("names the regarding record from the records file", async () => {
    const run = await replay([MAILBOX_DIR, "--settings", SETTINGS, "--records", RECORDS]);
    const row = run.out.split("\n").find((line) => line.includes("17-tracked-folder.eml"));
    expect(row).toContain("account Fabrikam");
  });
});

describe("--no-crm-sent", () => {
  it("leaves Sent Items mail with a token to the Sent Items rules", async () => {
    const out = path.join(temp, "no-crm-sent.jsonl");
    const run = await replay([MAILBOX_DIR, "--mailbox", DANA, "--records", RECORDS, "--no-crm-sent", "--out", out]);
    const lines = byName(await readJsonLines(out));
    expect(run.code).toBe(0);
    expect([lines.get("01-crm-quote-sent.eml")?.reason, lines.get("02-reply-in-reply-to.eml")?.reason]).toEqual([
      "sentItemsNotAutoTracked",
      "rejectedByFilter",
    ]);
    expect([...lines.values()].filter((l) => l.tracked)).toEqual([]);
  });

  it("with the example settings, 01 and 05 are then accepted by the filter", async () => {
    const out = path.join(temp, "no-crm-sent-examples.jsonl");
    await replay([MAILBOX_DIR, "--settings", SETTINGS, "--records", RECORDS, "--no-crm-sent", "--out", out]);
    const lines = byName(await readJsonLines(out));
    expect([lines.get("01-crm-quote-sent.eml")?.reason, lines.get("05-crm-renewal-sent.eml")?.reason]).toEqual(["acceptedByFilter", "acceptedByFilter"]);
  });
});

describe("--activities", () => {
  it("starts from an earlier replay's --out: replies to it correlate", async () => {
    const first = path.join(temp, "first.jsonl");
    const sent = await someExamples("sent-only", ["01-crm-quote-sent.eml", "05-crm-renewal-sent.eml"]);
    expect((await replay([sent, "--mailbox", DANA, "--records", RECORDS, "--out", first])).code).toBe(0);

    const replies = await someExamples("replies-only", ["02-reply-in-reply-to.eml", "11-reply-token-only.eml", "10-unknown-sender.eml"]);
    const second = path.join(temp, "second.jsonl");
    const run = await replay([replies, "--mailbox", DANA, "--records", RECORDS, "--activities", first, "--out", second]);
    const lines = byName(await readJsonLines(second));
    const earlier = byName(await readJsonLines(first));
    expect([run.code, run.errors]).toEqual([0, ""]);
    expect(lines.get("02-reply-in-reply-to.eml")?.correlation).toEqual({
      method: "inReplyTo",
      activityId: earlier.get("01-crm-quote-sent.eml")?.activityId,
      internetMessageId: "crm.7f3a91c2.0001001@crm.example.com",
    });
    // The token was read from the stored subject again.
    expect(lines.get("11-reply-token-only.eml")?.correlation.activityId).toBe(earlier.get("05-crm-renewal-sent.eml")?.activityId);
    expect(lines.get("10-unknown-sender.eml")?.tracked).toBe(false);
    // The correlation cell names the --activities line the activity came from (the cell wraps).
    const row = run.out.split("\n").find((line) => line.includes("02-reply-in-reply-to"));
    expect(row).toContain("inReplyTo → --activities");
    expect(run.out).toMatch(/activities loaded \(--activities\)\s*│\s*2/);
  });

  it("accepts an exported JSON array of activity documents (Cosmos DB system fields ignored)", async () => {
    const exported = path.join(temp, "export.json");
    const activity = {
      id: "act-1",
      internetMessageId: "<crm.7f3a91c2.0001002@crm.example.com>",
      subject: "Service contract renewal CRM:0001002",
      sentOn: "2025-02-06T15:20:00Z",
      regarding: { type: "account", id: "acc-tailspin" },
      sender: { address: DANA },
      toRecipients: [{ address: "lena.fischer@example.org" }],
      _rid: "abc",
      _etag: "\"0000\"",
      _ts: 1738855200,
    };
    await writeFile(exported, JSON.stringify([activity], null, 2));
    const replies = await someExamples("token-reply", ["11-reply-token-only.eml"]);
    const out = path.join(temp, "export-out.jsonl");
    const run = await replay([replies, "--mailbox", DANA, "--records", RECORDS, "--activities", exported, "--out", out]);
    const [line] = await readJsonLines(out);
    expect(run.code).toBe(0);
    expect([line?.tracked, line?.correlation.method, line?.correlation.activityId, line?.regarding]).toEqual([
      true,
      "trackingToken",
      "act-1",
      { type: "account", id: "acc-tailspin" },
    ]);
  });

  it("reports bad lines by number and loads the rest", async () => {
    const file = path.join(temp, "mixed.jsonl");
    const good = { internetMessageId: "crm.7f3a91c2.0001001@crm.example.com", subject: "Your quote Q-1043 CRM:0001001", sentOn: "2025-02-03T08:12:00Z" };
    await writeFile(
      file,
      [
        JSON.stringify(good),
        "{ not json",
        JSON.stringify({ subject: "no id" }),
        "",
        JSON.stringify({ internetMessageId: "x@example.org", sentOn: "yesterday" }),
        JSON.stringify({ file: "a.eml", tracked: false, reason: "rejectedByFilter" }),
        JSON.stringify({ internetMessageId: "y@example.org", sentOn: "2025-02-03T08:12:00Z", regarding: { type: "person", id: "p" } }),
        "[1, 2]",
      ].join("\n"),
    );
    const replies = await someExamples("bad-lines", ["02-reply-in-reply-to.eml"]);
    const out = path.join(temp, "bad-lines.jsonl");
    const run = await replay([replies, "--mailbox", DANA, "--activities", file, "--out", out]);
    const [line] = await readJsonLines(out);
    expect(run.code).toBe(0);
    expect(run.errors.split("\n").filter((l) => l.includes(file))).toEqual([
      `warning: ${file}: 5 bad lines skipped, 1 activities read`,
      expect.stringMatching(new RegExp(`^warning: ${file}: line 2: not JSON`)),
      `warning: ${file}: line 3: internetMessageId is required (the activity's Message-ID); needs a time: sentOn, receivedOn or activityTime`,
      `warning: ${file}: line 5: sentOn must be an ISO 8601 date-time with a zone (got "yesterday")`,
      expect.stringMatching(new RegExp(`^warning: ${file}: line 7: regarding must be`)),
      `warning: ${file}: line 8: must be a JSON object (a replay line or an activity)`,
    ]);
    expect([line?.tracked, line?.correlation.method]).toEqual([true, "inReplyTo"]);
  });

  it("a file with no usable line is an error (exit 2, no store opened)", async () => {
    const file = path.join(temp, "all-bad.jsonl");
    await writeFile(file, "nope\n{\"subject\": 1}\n");
    const run = await replay([MAILBOX_DIR, "--mailbox", DANA, "--activities", file]);
    expect([run.code, run.opened]).toEqual([2, []]);
    expect(run.errors).toContain(`replay: ${file}: no activity could be read`);
    expect(run.errors).toContain(`replay: ${file}: line 1: not JSON`);
    expect(run.errors).not.toMatch(/\n\s+at /);
  });
});

describe("--compare", () => {
  let run: Run;
  let lines: Array<{ file: string; changed: boolean; base: ReplayLine; compare: ReplayLine }>;

  beforeAll(async () => {
    const noSmart = path.join(temp, "no-smart-matching.json");
    const settings = JSON.parse(await readFile(SETTINGS, "utf8")) as { organization: Record<string, unknown> };
    await writeFile(noSmart, JSON.stringify({ organization: { ...settings.organization, useSmartMatching: false } }));
    const out = path.join(temp, "compare.jsonl");
    run = await replay([MAILBOX_DIR, "--settings", SETTINGS, "--records", RECORDS, "--compare", noSmart, "--out", out]);
    lines = await readJsonLines(out);
  });

  it("replays into two stores and exits 0", () => {
    expect([run.code, run.errors]).toEqual([0, ""]);
    expect(run.opened).toEqual([
      { cosmos: false, side: "base" },
      { cosmos: false, side: "compare" },
    ]);
  });

  it("writes both sides of every message; only smart matching's message changes", () => {
    expect(lines).toHaveLength(20);
    expect(lines.filter((l) => l.changed).map((l) => path.basename(l.file))).toEqual(["12-smart-matching.eml"]);
    const changed = lines.find((l) => l.changed);
    expect([changed?.base.correlation.method, changed?.compare.correlation.method]).toEqual(["smartMatching", "none"]);
    // The mailbox section was not in the compare file: the base's filter stays, and Jorge is a lead.
    expect([changed?.base.tracked, changed?.compare.tracked]).toEqual([true, true]);
  });

  it("prints the counts side by side and the one message that differs", () => {
    expect(run.out).toContain(`A = ${SETTINGS}, B = ${path.join(temp, "no-smart-matching.json")}`);
    expect(run.out).toMatch(/smartMatching\s*│ 1\s*│ 0\s*│ -1/);
    expect(run.out).toMatch(/none\s*│ 14\s*│ 15\s*│ \+1/);
    expect(run.out).toContain("Messages decided differently: 1 of 20");
    const row = run.out.split("\n").find((line) => line.includes("12-smart-matching.eml"));
    expect(row).toMatch(/≠ .*smartMatching → .*│ none/);
    // Beneath it, why under each: A linked it by smart matching, B did not.
    expect(run.out).toMatch(/│ A: .*smart matching/i);
    expect(run.out).toMatch(/│ B: /);
  });

  it("--details lists every message, marking the changed ones", async () => {
    const same = path.join(temp, "same.json");
    await writeFile(same, await readFile(SETTINGS, "utf8"));
    const detailed = await replay([MAILBOX_DIR, "--settings", SETTINGS, "--records", RECORDS, "--compare", same, "--details"]);
    expect(detailed.out).toContain("Messages decided differently: 0 of 20 (all messages shown, ≠ marks a change)");
    expect(detailed.out.split("\n").filter((line) => line.startsWith("│ = "))).toHaveLength(20);
  });

  it("the same settings on both sides change nothing", async () => {
    const same = path.join(temp, "same-again.json");
    await writeFile(same, await readFile(SETTINGS, "utf8"));
    const again = await replay([MAILBOX_DIR, "--settings", SETTINGS, "--records", RECORDS, "--compare", same]);
    expect(again.out).toContain("No message is decided differently (20 compared).");
  });
});

describe("--cosmos and warnings", () => {
  it("--cosmos asks for the Cosmos DB store (the embedded server here) and decides alike", async () => {
    const asked: Array<{ cosmos: boolean }> = [];
    const out = path.join(temp, "cosmos.jsonl");
    const code = await main([MAILBOX_DIR, "--mailbox", DANA, "--records", RECORDS, "--cosmos", "--out", out, "--no-progress"], {
      openStore: async (options) => {
        asked.push(options);
        return openEmbeddedTestStore();
      },
      log: () => {},
      error: () => {},
    });
    expect([code, asked]).toEqual([0, [{ cosmos: true, side: "base" }]]);
    const memoryOut = path.join(temp, "memory.jsonl");
    await replay([MAILBOX_DIR, "--mailbox", DANA, "--records", RECORDS, "--out", memoryOut]);
    expect(await readJsonLines(out)).toEqual(await readJsonLines(memoryOut));
  });

  it.each([
    ["no records file", [], "(no --records file was given)"],
    ["a records file without the mailbox's user", ["--mailbox", "nobody@example.com", "--records", RECORDS], `in ${RECORDS}`],
  ])("warns when the mailbox resolves to no user: %s", async (_name, flags, where) => {
    const args = flags.includes("--mailbox") ? flags : ["--mailbox", DANA, ...flags];
    const run = await replay([MAILBOX_DIR, ...args, "--no-details"]);
    const mailbox = args[args.indexOf("--mailbox") + 1];
    expect(run.code).toBe(0);
    expect(run.errors).toContain(`warning: the mailbox ${mailbox} resolves to no active systemuser record ${where}`);
  });

  it("no warning when the records name the mailbox's user", async () => {
    const run = await replay([MAILBOX_DIR, "--mailbox", DANA, "--records", RECORDS, "--no-details"]);
    expect(run.errors).toBe("");
  });
});
