// An in-process Cosmos DB stand-in (@vercel/cosmosdb-server) for local runs and tests. Local
// code only: nothing under src/ imports it. See docs/data-model.md for what it does not check
// (2 MB limit, 429, batch atomicity, request charges).
import { randomBytes } from "node:crypto";
import type http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { createHttpServer, createHttpsServer } from "@vercel/cosmosdb-server";
import { createLocalCertificate, type LocalCertificate } from "./certificates.js";
import { containerDefinitions, openCosmosTrackingStore, type CosmosTrackingStore } from "../src/adapters/cosmos/index.js";

export interface StartEmbeddedCosmosOptions {
  /** Default: "https" (with a fresh certificate; the one bundled with the package has expired). */
  protocol?: "https" | "http";
}

export interface EmbeddedCosmos {
  endpoint: string;
  /** A random account key: the server does not check signatures, but the SDK needs one. */
  key: string;
  /** Trusts the server's certificate (HTTPS only); pass it as the store's httpsAgent. */
  httpsAgent?: https.Agent;
  /** The PEM CA behind httpsAgent, for processes that read it from a file (COSMOS_CA_FILE). */
  ca?: string;
  /** HTTP requests the server has received from every client (benchmarks count with it). */
  requestsReceived(): number;
  close(): Promise<void>;
}

// One certificate per process is enough: key generation is the slow part of starting.
let certificate: Promise<LocalCertificate> | undefined;

export async function startEmbeddedCosmos(options: StartEmbeddedCosmosOptions = {}): Promise<EmbeddedCosmos> {
  const protocol = options.protocol ?? "https";
  let server: http.Server | https.Server;
  let httpsAgent: https.Agent | undefined;
  let trusted: string | undefined;
  if (protocol === "https") {
    certificate ??= createLocalCertificate({ hosts: ["localhost", "127.0.0.1"] });
    const { cert, key, ca } = await certificate;
    trusted = ca;
    // keepAlive: without it the server closes every connection and each request pays a TLS handshake.
    server = createHttpsServer({ cert, key, keepAlive: true });
    httpsAgent = new https.Agent({ ca, keepAlive: true });
  } else {
    server = createHttpServer({ keepAlive: true });
  }

  // Keep idle connections open longer than any pause in a run: with Node's 5 s default the server
  // may close a socket just as the client's keep-alive pool reuses it (ECONNRESET).
  server.keepAliveTimeout = 300_000;
  server.headersTimeout = 301_000;
  let received = 0;
  server.on("request", () => {
    received++;
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `${protocol}://127.0.0.1:${port}/`,
    key: randomBytes(64).toString("base64"),
    ...(httpsAgent !== undefined && { httpsAgent }),
    ...(trusted !== undefined && { ca: trusted }),
    requestsReceived: () => received,
    close: async () => {
      httpsAgent?.destroy();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

export interface EmbeddedTrackingStore extends CosmosTrackingStore {
  endpoint: string;
  key: string;
  databaseName: string;
}

/** The tracking store on a fresh embedded server of its own; dispose closes both. */
export async function openEmbeddedTrackingStore(
  options: StartEmbeddedCosmosOptions & { databaseName?: string } = {},
): Promise<EmbeddedTrackingStore> {
  const server = await startEmbeddedCosmos(options);
  const databaseName = options.databaseName ?? containerDefinitions.databaseName;
  try {
    const opened = await openCosmosTrackingStore({
      endpoint: server.endpoint,
      key: server.key,
      databaseName,
      ...(server.httpsAgent !== undefined && { httpsAgent: server.httpsAgent }),
    });
    return {
      ...opened,
      endpoint: server.endpoint,
      key: server.key,
      databaseName,
      dispose: async () => {
        await opened.dispose();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
