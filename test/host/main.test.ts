// runHost (npm run host): Azurite when AzureWebJobsStorage is not set, local.settings.json Values
// under the environment, every .ts file of the functions folder.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { QueueServiceClient } from "@azure/storage-queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHost, type RunningHost } from "../../local/host/main.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
let running: RunningHost;

beforeAll(async () => {
  delete process.env["AzureWebJobsStorage"];
  delete process.env["LOCAL_HOST_TEST_VALUE"];
  process.env["LOCAL_HOST_TEST_OVERRIDDEN"] = "from the environment";
  running = await runHost({
    port: 0,
    functionsDir: path.join(fixtures, "functions-dir"),
    localSettingsPath: path.join(fixtures, "local.settings.json"),
    log: () => {},
  });
});

afterAll(async () => {
  await running?.close();
});

describe("runHost", () => {
  it("starts Azurite and hands its connection string to the functions as AzureWebJobsStorage", async () => {
    expect(running.azurite).toBeDefined();
    const response = await fetch(`${running.host.baseUrl}/api/settings`);
    const body = (await response.json()) as { storage: string };
    expect(body.storage).toBe(running.azurite?.connectionString);
    expect(body.storage).toContain(`QueueEndpoint=${running.azurite?.queueEndpoint};`);
    // The connection string reaches the started Azurite.
    const queue = QueueServiceClient.fromConnectionString(body.storage).getQueueClient("run-host-check");
    await queue.createIfNotExists();
    await queue.sendMessage("x");
    expect((await queue.getProperties()).approximateMessagesCount).toBe(1);
  });

  it("loads local.settings.json Values without overriding the environment", async () => {
    const response = await fetch(`${running.host.baseUrl}/api/settings`);
    expect(await response.json()).toMatchObject({
      fromLocalSettings: "from local.settings.json",
      overridden: "from the environment",
    });
  });

  it("imports only the .ts files of the functions folder", async () => {
    expect((await fetch(`${running.host.baseUrl}/api/settings`)).status).toBe(200);
    expect(Object.keys(running.host.stats().invocations)).toEqual(["settingsEcho"]);
  });
});
