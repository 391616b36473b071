// The Microsoft Graph SDK client, with the middleware chain built here: authentication, telemetry
// and a fetch handler. The SDK's RetryHandler and RedirectHandler are left out on purpose: the
// gateway retries itself (graph-retry.ts), so each HTTP request is counted once and Retry-After
// handling lives in one place.
import { rootCertificates } from "node:tls";
import { AuthenticationHandler, Client, TelemetryHandler } from "@microsoft/microsoft-graph-client";
import type { Context, Middleware } from "@microsoft/microsoft-graph-client";
import { TokenCredentialAuthenticationProvider } from "@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js";
import type { TokenCredential } from "@azure/identity";
import { Agent, fetch as undiciFetch } from "undici";
import { DEFAULT_GRAPH_BASE_URL } from "./endpoint.js";

export const GRAPH_SCOPE = "https://graph.microsoft.com/.default";

/** Hosts the SDK already sends the token to. */
const GRAPH_HOSTS = new Set([
  "graph.microsoft.com",
  "graph.microsoft.us",
  "dod-graph.microsoft.us",
  "graph.microsoft.de",
  "microsoftgraph.chinacloudapi.cn",
  "canary.graph.microsoft.com",
]);

type FetchLike = (input: string, init?: Record<string, unknown>) => Promise<Response>;

/**
 * A fetch that trusts `ca` (plus the public roots) through its own undici dispatcher, so nothing
 * process-wide changes. Without `ca`, the global fetch.
 */
export function createTrustingFetch(options: { ca?: string }): { fetch: FetchLike; close(): Promise<void> } {
  if (options.ca === undefined) {
    return { fetch: (input, init) => fetch(input, init as RequestInit), close: async () => {} };
  }
  const dispatcher = new Agent({ connect: { ca: [...rootCertificates, options.ca] } });
  return {
    // undici's own fetch with undici's own Agent: no dependency on the version bundled in Node.
    fetch: (input, init) => undiciFetch(input, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>,
    close: () => dispatcher.close(),
  };
}

/** The last middleware: sends the request and reports each one sent. */
class FetchHandler implements Middleware {
  constructor(
    private readonly send: FetchLike,
    private readonly onSend: (url: string) => void,
  ) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : (context.request as { url: string }).url;
    this.onSend(url);
    context.response = await this.send(url, context.options as Record<string, unknown> | undefined);
  }
}

export interface GraphClientHandle {
  client: Client;
  close(): Promise<void>;
}

export function createGraphClient(options: {
  credential: TokenCredential;
  baseUrl?: string;
  ca?: string;
  /** Called once per HTTP request sent, with its URL. */
  onSend?: (url: string) => void;
}): GraphClientHandle {
  const baseUrl = options.baseUrl ?? DEFAULT_GRAPH_BASE_URL;
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new RangeError(`Graph baseUrl must be an absolute https URL, got "${baseUrl}"`);
  }
  // The SDK adds the Authorization header only for https URLs on Graph hosts or customHosts.
  if (parsed.protocol !== "https:") throw new RangeError(`Graph baseUrl must use https (the SDK sends tokens over https only), got "${baseUrl}"`);
  const hostname = parsed.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const customHosts = GRAPH_HOSTS.has(hostname) ? undefined : new Set([hostname]);

  const trusting = createTrustingFetch(options.ca === undefined ? {} : { ca: options.ca });
  const authentication = new AuthenticationHandler(new TokenCredentialAuthenticationProvider(options.credential, { scopes: [GRAPH_SCOPE] }));
  const telemetry = new TelemetryHandler();
  const sender = new FetchHandler(trusting.fetch, options.onSend ?? (() => {}));
  authentication.setNext(telemetry);
  telemetry.setNext(sender);

  // A base URL may name the version ("https://host/v1.0/"): the SDK adds the version itself.
  const path = parsed.pathname.replace(/\/+$/, "");
  const version = /\/(v1\.0|beta)$/.exec(path)?.[1];
  const root = `${parsed.origin}${version === undefined ? path : path.slice(0, -(version.length + 1))}/`;
  const client = Client.initWithMiddleware({
    baseUrl: root,
    ...(version === undefined ? {} : { defaultVersion: version }),
    middleware: authentication,
    ...(customHosts === undefined ? {} : { customHosts }),
  });
  return { client, close: trusting.close };
}
