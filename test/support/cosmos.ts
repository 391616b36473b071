// Test stores: a real Cosmos DB (emulator or Azure) when COSMOS_ENDPOINT is set, otherwise the
// embedded server. Each call gets its own random database so tests never see each other's data.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TrackingStore } from "../../src/app/ports.js";
import type { EmailActivity } from "../../src/domain/types.js";
import { openCosmosTrackingStore } from "../../src/adapters/cosmos/index.js";
import { openEmbeddedTrackingStore, startEmbeddedCosmos } from "../../local/embedded-cosmos.js";

export interface TestStore {
  store: TrackingStore;
  requestCount(): number;
  resetRequestCount(): void;
  dispose(): Promise<void>;
}

export function testDatabaseName(): string {
  return `test-${randomUUID()}`;
}

/** The embedded server, whatever the environment says (started per store, closed on dispose). */
export function openEmbeddedTestStore(options: { protocol?: "https" | "http" } = {}): Promise<TestStore> {
  return openEmbeddedTrackingStore({ ...options, databaseName: testDatabaseName() });
}

/**
 * The Cosmos DB named by COSMOS_ENDPOINT and COSMOS_KEY; COSMOS_CA_FILE may name a PEM to trust
 * (the emulator's certificate). The test database is deleted on dispose.
 */
export async function openEnvironmentTestStore(): Promise<TestStore> {
  const endpoint = process.env.COSMOS_ENDPOINT;
  const key = process.env.COSMOS_KEY;
  if (!endpoint || !key) throw new Error("Set COSMOS_ENDPOINT and COSMOS_KEY to test against a real Cosmos DB or emulator");
  const caFile = process.env.COSMOS_CA_FILE;
  const httpsAgent = caFile ? new https.Agent({ ca: await readFile(caFile, "utf8"), keepAlive: true }) : undefined;
  const databaseName = testDatabaseName();
  const opened = await openCosmosTrackingStore({ endpoint, key, databaseName, ...(httpsAgent && { httpsAgent }) });
  return {
    ...opened,
    dispose: async () => {
      const { CosmosClient } = await import("@azure/cosmos");
      const client = new CosmosClient({ endpoint, key, ...(httpsAgent && { agent: httpsAgent }) });
      try {
        await client.database(databaseName).delete();
      } finally {
        client.dispose();
        await opened.dispose();
        httpsAgent?.destroy();
      }
    },
  };
}

/** COSMOS_ENDPOINT when set, else the embedded server. */
export function openTestStore(): Promise<TestStore> {
  return process.env.COSMOS_ENDPOINT ? openEnvironmentTestStore() : openEmbeddedTestStore();
}

/** A valid EmailActivity with every required field; override what the test is about. */
export function buildActivity(overrides: Partial<EmailActivity> = {}): EmailActivity {
  return {
    id: `activity-${randomUUID()}`,
    internetMessageId: `${randomUUID()}@mail.contoso.com`,
    internetMessageIdSynthetic: false,
    direction: "incoming",
    subject: "Quarterly order",
    sender: { address: "ann@fabrikam.com", records: [{ type: "contact", id: "c1" }] },
    toRecipients: [{ address: "sales@contoso.com", records: [{ type: "queue", id: "q1" }] }],
    ccRecipients: [],
    bccRecipients: [],
    receivedOn: "2025-03-01T10:00:00.000Z",
    activityTime: "2025-03-01T10:00:00.000Z",
    references: [],
    correlation: { method: "none" },
    receivingMailbox: "sales@contoso.com",
    folder: { kind: "inbox" },
    decisionReason: "acceptedByFilter",
    automated: { autoReply: false, bulk: false, evidence: [] },
    smartMatch: { subjectHashes: [], addressHashes: [] },
    body: { contentType: "text", content: "Hello" },
    bodyTruncated: false,
    recipientsTruncated: false,
    createdOn: "2025-03-01T10:00:05.000Z",
    ...overrides,
  };
}

/** What a fault-injecting proxy answers instead of forwarding; undefined: forward. */
export type InjectFault = (request: { method: string; url: string }) => { status: number; headers?: Record<string, string> } | undefined;

/**
 * An HTTP proxy in front of an embedded server that answers some requests with a fault (429,
 * 413, 403, …), for what the embedded server never does by itself.
 */
export async function openFaultyTestStore(inject: InjectFault): Promise<TestStore & { forwarded(): number }> {
  const server = await startEmbeddedCosmos({ protocol: "http" });
  const upstream = new URL(server.endpoint);
  const agent = new http.Agent({ keepAlive: true });
  let forwarded = 0;
  const proxy = http.createServer((request, response) => {
    const fault = inject({ method: request.method ?? "GET", url: request.url ?? "/" });
    if (fault) {
      request.resume();
      response.writeHead(fault.status, { "content-type": "application/json", ...fault.headers });
      response.end(JSON.stringify({ code: String(fault.status), message: "Injected by the test proxy" }));
      return;
    }
    forwarded++;
    const outgoing = http.request(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers, agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on("error", (error) => response.destroy(error));
    request.pipe(outgoing);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  const opened = await openCosmosTrackingStore({ endpoint: `http://127.0.0.1:${port}/`, key: server.key, databaseName: testDatabaseName() });
  return {
    ...opened,
    forwarded: () => forwarded,
    dispose: async () => {
      await opened.dispose();
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      });
      agent.destroy();
      await server.close();
    },
  };
}
