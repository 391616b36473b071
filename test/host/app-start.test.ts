// App settings are validated when the host starts (an app start hook), not at the first
// invocation: a bad setting stops the host with its message, and no queued work is attempted, so
// nothing reaches the poison queue.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { app } from "@azure/functions";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startAzurite, type LocalAzurite } from "../../local/azurite.js";
import { NOTIFICATIONS_POISON_QUEUE, NOTIFICATIONS_QUEUE } from "../../src/config/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Valid settings for every group the local host checks before starting its stand-ins. */
const goodEnv: Record<string, string> = {
  GRAPH_TENANT_ID: "tenant-1",
  GRAPH_CLIENT_ID: "client-1",
  GRAPH_CLIENT_SECRET: "graph-secret-value-xyz",
  NOTIFICATION_CLIENT_STATE: "client-state-0123456789",
  NOTIFICATION_URL: "https://127.0.0.1:7071/api/notifications",
  LIFECYCLE_NOTIFICATION_URL: "https://127.0.0.1:7071/api/lifecycle",
  // Set, so the host starts no embedded server; nothing connects to it when the settings are bad.
  COSMOS_ENDPOINT: "https://127.0.0.1:9/",
};

describe("the local host (npm run host) with a bad app setting", () => {
  let azurite: LocalAzurite;

  beforeAll(async () => {
    azurite = await startAzurite();
  });

  afterAll(async () => {
    await azurite?.close();
  });

  it("refuses to start with exit code 2 and the message naming the setting; the queued item is not attempted", async () => {
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    const queue = service.getQueueClient(NOTIFICATIONS_QUEUE);
    await queue.createIfNotExists();
    await queue.sendMessage(Buffer.from(JSON.stringify({ kind: "catchUp", mailbox: "a@example.com", folder: "inbox" })).toString("base64"));

    // COSMOS_DATABASE belongs to a group the host checks only once the function files are loaded:
    // the app start hook is what refuses it.
    const env = { ...process.env, ...goodEnv, AzureWebJobsStorage: azurite.connectionString, COSMOS_DATABASE: "bad/name", PORT: "0" };
    const child = spawn(process.execPath, ["--import", "tsx", "local/host/main.ts"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));

    expect(code, stdout + stderr).toBe(2);
    expect(stderr).toContain("App settings are not valid (1 problem)");
    expect(stderr).toContain('COSMOS_DATABASE ("bad/name") is invalid');
    const [waiting] = (await queue.peekMessages()).peekedMessageItems;
    expect(waiting?.dequeueCount).toBe(0);
    expect(await service.getQueueClient(NOTIFICATIONS_POISON_QUEUE).exists()).toBe(false);
  }, 60_000);
});

describe("on Azure (app.hook.appStart)", () => {
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it("the function files register a start hook that throws AppSettingsError naming the bad setting", async () => {
    const appStart = vi.spyOn(app.hook, "appStart");
    vi.resetModules();
    await import("../../functions/processNotification.js");
    expect(appStart).toHaveBeenCalledTimes(1);
    const hook = appStart.mock.calls[0]?.[0];
    expect(hook).toBeTypeOf("function");
    const context = new (await import("@azure/functions")).AppStartContext();

    process.env = { ...saved, ...goodEnv, AzureWebJobsStorage: "UseDevelopmentStorage=true" };
    await expect(Promise.resolve(hook?.(context))).resolves.toBeUndefined();

    process.env = { ...saved, ...goodEnv, AzureWebJobsStorage: "UseDevelopmentStorage=true", NOTIFICATION_URL: "ftp://example.com/" };
    await expect(Promise.resolve().then(() => hook?.(context))).rejects.toMatchObject({
      name: "AppSettingsError",
      problems: [expect.objectContaining({ name: "NOTIFICATION_URL", kind: "invalid" })],
    });
  });
});
