// How the local commands reach the running stack: `npm start` writes .local/stack.json (URLs,
// the throwaway local CA file, the API's audience; no secrets) and removes it when it stops;
// `npm run token`, `npm run mailbox` and `npm run mail` read it. The CA is trusted per client
// (an undici dispatcher of its own), never process-wide.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTrustingFetch } from "../src/adapters/graph/graph-client.js";
import { LOCAL_API_AUDIENCE, type LocalStack } from "./stack.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Gitignored (.local/). */
export const CONNECTION_FILE = path.join(repoRoot, ".local", "stack.json");

export interface StackConnection {
  /** The Functions host, e.g. http://127.0.0.1:7071. */
  hostUrl: string;
  /** The admin API: <host>/api. */
  apiUrl: string;
  openApiUrl: string;
  /** The API's token audience and the simulator's endpoint that issues signed tokens for it. */
  api: { audience: string; tenantId: string; tokenUrl: string };
  /** The Graph simulator and the throwaway CA its HTTPS certificate is signed by. */
  graph: { baseUrl: string; caFile: string; deliverUrl: string };
  pid: number;
  startedAt: string;
}

/** How to reach a started stack; the CA file is the stack's throwaway one (deleted when it stops). */
export function connectionFor(stack: LocalStack): StackConnection {
  return {
    hostUrl: stack.host.baseUrl,
    apiUrl: stack.apiUrl,
    openApiUrl: `${stack.apiUrl}/openapi.json`,
    api: { audience: LOCAL_API_AUDIENCE, tenantId: stack.graph.tenantId, tokenUrl: `${stack.graph.authorityHost}/_simulator/api-token` },
    graph: { baseUrl: stack.graph.baseUrl, caFile: stack.graphCaFile, deliverUrl: `${stack.graph.authorityHost}/_simulator/deliver` },
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

export async function writeConnectionFile(connection: StackConnection, file = CONNECTION_FILE): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
}

export async function removeConnectionFile(file = CONNECTION_FILE): Promise<void> {
  await rm(file, { force: true });
}

export class NoStackError extends Error {
  override readonly name = "NoStackError";
}

export async function readConnectionFile(file = CONNECTION_FILE): Promise<StackConnection> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new NoStackError(`no running local stack: ${path.relative(process.cwd(), file) || file} is missing (start one with npm start)`);
  }
  try {
    return JSON.parse(text) as StackConnection;
  } catch (error) {
    throw new NoStackError(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); restart npm start`);
  }
}

/** A fetch that trusts the stack's local CA, for this client only. */
export async function stackFetch(connection: StackConnection) {
  return createTrustingFetch({ ca: await readFile(connection.graph.caFile, "utf8") });
}

/** A signed bearer token for the stack's admin API, from the Graph simulator's identity endpoint. */
export async function requestApiToken(connection: StackConnection, options: { roles: readonly string[]; user?: string }): Promise<string> {
  const trusting = await stackFetch(connection);
  try {
    const response = await trusting.fetch(connection.api.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ audience: connection.api.audience, roles: options.roles, ...(options.user ? { user: options.user } : {}) }),
    });
    const body = (await response.json()) as { access_token?: string; error_description?: string };
    if (!response.ok || !body.access_token) throw new Error(`the simulator refused the token request: ${body.error_description ?? response.status}`);
    return body.access_token;
  } finally {
    await trusting.close();
  }
}
