// Shared steps of the admin API tests: one local stack per file (real HTTP, real signed tokens, the
// embedded Cosmos DB server) and a small client for it.
import type { ApiRoute } from "../../src/api/route.js";
import { startLocalStack, type LocalStack } from "../../local/stack.js";

export interface ApiCall {
  status: number;
  headers: Headers;
  /** Parsed JSON (problem+json included), or the text. */
  body: unknown;
}

export interface ApiClient {
  stack: LocalStack;
  call(
    method: string,
    path: string,
    options?: { token?: string; roles?: readonly string[]; user?: string; body?: unknown; rawBody?: string; contentType?: string; headers?: Record<string, string> },
  ): Promise<ApiCall>;
}

export async function startApiStack(): Promise<ApiClient> {
  const stack = await startLocalStack({ port: 0, timers: "manual", visibilityTimeoutInSeconds: 1, queuePollIntervalInMs: 50, log: () => {} });
  return {
    stack,
    async call(method, path, options = {}) {
      const token = options.token ?? (options.roles || options.user ? await stack.apiToken({ roles: options.roles ?? [], ...(options.user ? { user: options.user } : {}) }) : undefined);
      const hasBody = options.rawBody !== undefined || options.body !== undefined;
      const response = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(hasBody ? { "content-type": options.contentType ?? "application/json" } : {}),
          ...options.headers,
        },
        ...(hasBody ? { body: options.rawBody ?? JSON.stringify(options.body) } : {}),
      });
      const text = await response.text();
      let body: unknown = text;
      if ((response.headers.get("content-type") ?? "").includes("json") && text !== "") body = JSON.parse(text);
      return { status: response.status, headers: response.headers, body };
    },
  };
}

/** A concrete path for a route template: {address} → a mailbox address, other params → "x". */
export function samplePath(route: ApiRoute): string {
  return route.path.replace(/\{([A-Za-z_]+)\}/g, (_, name: string) => (name === "address" ? "nobody%40contoso.example.com" : `sample-${name}`));
}

/** The smallest body a route's schema accepts is not needed for auth checks: the token is checked first. */
export const JSON_BODY = {};
