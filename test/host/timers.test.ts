// Timers on their schedule: runOnStartup, a six-field NCRONTAB schedule from an app setting
// (%NAME%), and the scheduleStatus each run receives.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { developmentConnectionString } from "../../local/azurite.js";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";
import { recordedFor } from "./fixtures/recorded.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
let host: LocalHost;

beforeAll(async () => {
  process.env["EVERY_SECOND_SCHEDULE"] = "* * * * * *";
  host = await startLocalHost({
    functionFiles: [path.join(fixtures, "schedule-functions.ts")],
    storageConnectionString: developmentConnectionString({ queueEndpoint: "http://127.0.0.1:9/devstoreaccount1" }),
    port: 0,
    log: () => {},
  });
});

afterAll(async () => {
  await host?.close();
});

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("startLocalHost timers on schedule", () => {
  it("runs a runOnStartup timer once at start-up, not again until its schedule", async () => {
    await waitFor(() => recordedFor("onStartup").length > 0, "the start-up run");
    await waitFor(() => recordedFor("everySecond").length >= 2, "two scheduled runs");
    expect(recordedFor("onStartup")).toHaveLength(1);
  });

  it("passes scheduleStatus.last and next from the schedule", async () => {
    await waitFor(() => recordedFor("everySecond").length >= 2, "two scheduled runs");
    const [first, second] = recordedFor("everySecond").map(
      (entry) => entry.input as { isPastDue: boolean; scheduleStatus: { last: string; next: string; lastUpdated: string } },
    );
    expect(first?.isPastDue).toBe(false);
    expect(new Date(first?.scheduleStatus.next ?? "").getUTCMilliseconds()).toBe(0);
    expect(Date.parse(first?.scheduleStatus.next ?? "")).toBeGreaterThan(Date.parse(first?.scheduleStatus.lastUpdated ?? ""));
    expect(Date.parse(second?.scheduleStatus.last ?? "")).toBeGreaterThan(Date.parse(first?.scheduleStatus.last ?? ""));
  });
});
