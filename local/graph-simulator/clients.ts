// Real Azure clients pointed at the simulator, trusting its CA per client (never process-wide).
//
// @azure/identity: credentials accept core-rest-pipeline's `tlsOptions: { ca }`, which installs
// a TLS policy on the credential's own pipeline (token and discovery requests).
// @microsoft/microsoft-graph-client v3: its HTTPMessageHandler calls the global fetch (undici)
// and Node 20 exposes no undici Agent to pass as `dispatcher`, so the last middleware of the
// default chain is swapped for one that sends with node:https and an explicit `ca`.
import https from "node:https";
import { ClientSecretCredential } from "@azure/identity";
import { Client, MiddlewareFactory } from "@microsoft/microsoft-graph-client";
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { TokenCredential } from "@azure/core-auth";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** A Graph-client middleware that sends requests over node:https trusting `ca`. */
export function createTrustingHttpMessageHandler(options: { ca: string }): Middleware {
  const agent = new https.Agent({ ca: options.ca, keepAlive: true });
  return {
    async execute(context: Context): Promise<void> {
      const request =
        context.request instanceof Request ? context.request : new Request(context.request, context.options as RequestInit);
      const target = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      context.response = await new Promise<Response>((resolve, reject) => {
        const outgoing = https.request(target, { method: request.method, headers, agent }, (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            const status = incoming.statusCode ?? 500;
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (typeof value === "string") responseHeaders.set(name, value);
              else if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
            }
            const noBody = status === 204 || status === 304 || chunks.length === 0;
            resolve(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? "", headers: responseHeaders }));
          });
        });
        outgoing.on("error", reject);
        outgoing.end(body);
      });
    },
  };
}

/** A ClientSecretCredential whose authority is the simulator. */
export function createTrustingCredential(options: {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  ca: string;
}): ClientSecretCredential {
  return new ClientSecretCredential(options.tenantId, options.clientId, options.clientSecret, {
    authorityHost: options.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: options.ca },
  });
}

/** The Graph SDK's default middleware chain (auth, retry, redirect, telemetry) sending through `ca`. */
export function createTrustingGraphClient(options: {
  credential: TokenCredential;
  baseUrl: string;
  ca: string;
  scopes?: string[];
}): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(options.credential, {
    scopes: options.scopes ?? [GRAPH_SCOPE],
  });
  const chain = MiddlewareFactory.getDefaultMiddlewareChain(authProvider);
  chain[chain.length - 1] = createTrustingHttpMessageHandler({ ca: options.ca });
  const host = new URL(options.baseUrl).hostname;
  return Client.initWithMiddleware({ middleware: chain, baseUrl: options.baseUrl, customHosts: new Set([host]) });
}

type SimulatorEndpoints = { authorityHost: string; tenantId: string; baseUrl: string; ca: string };

/** The credential of the test app the simulator knows, trusting its certificate. */
export function testCredential(sim: SimulatorEndpoints): ReturnType<typeof createTrustingCredential> {
  return createTrustingCredential({
    authorityHost: sim.authorityHost,
    tenantId: sim.tenantId,
    clientId: "tracker-app",
    clientSecret: "local-only-secret",
    ca: sim.ca,
  });
}

/** A Graph client signed in to the simulator as the test app. */
export function connectTestClient(sim: SimulatorEndpoints, credential: TokenCredential = testCredential(sim)): Client {
  return createTrustingGraphClient({ credential, baseUrl: sim.baseUrl, ca: sim.ca });
}
