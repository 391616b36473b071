// `npm start` end to end: the examples scenario sent as real mail through the Graph simulator to a
// stack on a free port, every expected outcome checked (expected.json, with live-expected.json where
// live tracking must differ), every correlation method seen live; the mailbox command against the
// same stack; and `local/start.ts --once` run once as a child process.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as mailboxMain } from "../../src/cli/mailbox.js";
import type { CorrelationMethod } from "../../src/domain/types.js";
import { loadExpectedOutcomes, runScenario, type ExpectedOutcomes, type OutcomeCheck, type ScenarioResult } from "../../local/scenario.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const examplesDir = path.join(repoRoot, "examples");
// The child process gets the environment as it was before this file's stack set its settings.
const childEnv = { ...process.env };

let stack: LocalStack;
let result: ScenarioResult;
let expected: ExpectedOutcomes;
let checks: OutcomeCheck[];

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, timers: "manual", visibilityTimeoutInSeconds: 1, queuePollIntervalInMs: 50, log: () => {} });
  result = await runScenario(stack, { examplesDir });
  expected = await loadExpectedOutcomes(examplesDir);
  checks = result.check(expected);
}, 180_000);

afterAll(async () => {
  await stack?.close();
});

describe("the examples scenario, live", () => {
  // Read synchronously at collection time, so each file is its own test case.
  const files = Object.keys((JSON.parse(readFileSync(path.join(examplesDir, "expected.json"), "utf8")) as ExpectedOutcomes).files);

  it.each(files)("%s: the expected outcome holds", (file) => {
    const check = checks.find((c) => c.file === file);
    expect(check, `no check for ${file}`).toBeDefined();
    expect(check?.problems).toEqual([]);
    expect(check?.ok).toBe(true);
  });

  it("sends every file and makes a decision about each in the recorded mailbox", () => {
    expect(result.outcomes.map((o) => o.file).sort()).toEqual(Object.keys(expected.files).sort());
    for (const outcome of result.outcomes) expect(outcome.outcome, outcome.file).toBeDefined();
  });

  it.each<CorrelationMethod>(["inReplyTo", "references", "trackingToken", "conversationIndex", "smartMatching"])(
    "correlation by %s happens at least once",
    (method) => {
      expect(result.outcomes.filter((o) => o.outcome?.correlation === method).map((o) => o.file)).not.toEqual([]);
    },
  );

  it("mail from a simulated mailbox goes out through it: CRM mail through the app, the rest through Graph", () => {
    const app = result.outcomes.filter((o) => o.sentAs === "app");
    expect(app.map((o) => o.file)).not.toEqual([]);
    // The app's token is in the live subject, and the Sent Items copy found the app's activity.
    for (const outcome of app) {
      expect(outcome.subject).toMatch(/CRM:\d+/);
      expect(outcome.decisions.some((d) => d.via === "app" && d.result.created)).toBe(true);
      expect(outcome.decisions.some((d) => d.via === "notification" && d.result.reason === "alreadyTracked")).toBe(true);
    }
    expect(result.outcomes.some((o) => o.sentAs === "outlook")).toBe(true);
    expect(result.outcomes.some((o) => o.sentAs === "external")).toBe(true);
  });

  it("live-expected.json only overrides files of expected.json, each with the reason why", async () => {
    const live = JSON.parse(await readFile(path.join(examplesDir, "live-expected.json"), "utf8")) as ExpectedOutcomes;
    const base = JSON.parse(await readFile(path.join(examplesDir, "expected.json"), "utf8")) as ExpectedOutcomes;
    for (const [file, entry] of Object.entries(live.files)) {
      expect(Object.keys(base.files), file).toContain(file);
      expect(entry.note, file).toMatch(/\w+/);
      expect(entry, file).not.toEqual(base.files[file]);
    }
  });
});

describe("npm run mailbox against the stack", () => {
  it("enable subscribes Inbox and Sent Items through the handshake; status shows both with their expiry", async () => {
    const address = "new.user@example.com";
    stack.graph.addMailbox({ address });
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await mailboxMain(argv, { env: process.env, out: (t) => out.push(t), err: (t) => err.push(t) });
      return { code, out: out.join("\n"), err: err.join("\n") };
    };
    const enabled = await run(["enable", address, "--filter", "all"]);
    expect(enabled).toMatchObject({ code: 0 });
    expect(enabled.out).toContain("subscriptions: 2 created");

    const status = await run(["status", address]);
    expect(status.code).toBe(0);
    expect(status.out).toContain("Subscriptions (2):");
    const atGraph = stack.graph.listSubscriptions().filter((s) => s.resource.toLowerCase().includes(address) || s.resource.includes(stack.graph.getMailbox(address)!.id));
    expect(atGraph).toHaveLength(2);
    for (const subscription of atGraph) expect(status.out).toContain(subscription.id);
    expect(status.out).toMatch(/inbox .*\(in \d+/);
    expect(status.out).toMatch(/sentitems .*\(in \d+/);

    const list = await run(["list"]);
    expect(list.out).toMatch(new RegExp(`${address.replace(/\./g, "\\.")}.*inbox, sentitems`));
  }, 60_000);
});

describe("local/start.ts --once", () => {
  it("runs the scenario on a free port, prints the summary and exits 0", async () => {
    const child = spawn("npx", ["tsx", "local/start.ts", "--once", "--port", "0"], { cwd: repoRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Expected outcomes: all \d+ met\./);
    expect(stdout).toContain("│ reason");
    expect(stdout).toMatch(/dana\.reyes@example\.com\/inbox .*tracked \(acceptedByFilter\)\s+inReplyTo/);
  }, 120_000);
});

