// HTTP layer: reads a request, answers sign-in, identity, control, discovery and token paths,
// checks the bearer token, parses JSON and hands Graph requests to dispatch.
import type { IncomingMessage, ServerResponse } from "node:http";
import { graphError, jsonResponse, newRequestId } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import type { SimulatedIdentity } from "./identity.js";
import type { createBrowserSignIn } from "./sign-in.js";
import type { createSimulatorControl } from "./control.js";
import type { SimContext } from "./context.js";
import type { createTokens } from "./tokens.js";

export interface HttpLayerParts {
  identity: SimulatedIdentity;
  browserSignIn: ReturnType<typeof createBrowserSignIn>;
  control: ReturnType<typeof createSimulatorControl>;
  tokenRoutes: Pick<ReturnType<typeof createTokens>, "handleToken" | "openIdConfiguration">;
  dispatch: (request: SimRequest) => Promise<SimResponse>;
}

export function createHttpLayer(ctx: SimContext, parts: HttpLayerParts) {
  const { tenantId, tokens, stats } = ctx;
  const { identity, browserSignIn, control, dispatch } = parts;
  const { handleToken, openIdConfiguration } = parts.tokenRoutes;

  async function readBody(incoming: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  }

  function send(outgoing: ServerResponse, response: SimResponse, requestId: string): void {
    const headers: Record<string, string> = { "request-id": requestId, "client-request-id": requestId, ...response.headers };
    if (response.text !== undefined) {
      outgoing.writeHead(response.status, { ...headers, "content-length": String(Buffer.byteLength(response.text)) });
      outgoing.end(response.text);
      return;
    }
    if (response.body === undefined) {
      outgoing.writeHead(response.status, headers);
      outgoing.end();
      return;
    }
    const text = JSON.stringify(response.body);
    outgoing.writeHead(response.status, { ...headers, "content-length": String(Buffer.byteLength(text)) });
    outgoing.end(text);
  }

  async function handleHttp(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const url = new URL(incoming.url ?? "/", ctx.baseUrl);
    const method = (incoming.method ?? "GET").toUpperCase();
    const raw = await readBody(incoming);
    const authority = ctx.baseUrl.replace(/\/$/, "");
    const request = { requestId };

    const browserRequest = { method, url, headers: incoming.headers, body: raw };
    for (const [name, value] of Object.entries(browserSignIn.corsHeaders(browserRequest) ?? {})) outgoing.setHeader(name, value);
    const browserAnswer = await browserSignIn.handle(browserRequest);
    if (browserAnswer) return void outgoing.writeHead(browserAnswer.status, browserAnswer.headers).end(browserAnswer.body);
    const identityAnswer = (await identity.handle(method, url.pathname, raw)) ?? control.handle(method, url.pathname, raw);
    if (identityAnswer) return send(outgoing, jsonResponse(identityAnswer.status, identityAnswer.body), requestId);
    const openId = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/i.exec(url.pathname);
    if (openId && method === "GET") return send(outgoing, openIdConfiguration(openId[1] ?? "", authority), requestId);
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/i.exec(url.pathname);
    if (tokenPath && method === "POST") {
      stats.requests.byEndpoint["POST /{tenant}/oauth2/v2.0/token"] = (stats.requests.byEndpoint["POST /{tenant}/oauth2/v2.0/token"] ?? 0) + 1;
      return send(outgoing, handleToken(tokenPath[1] ?? "", new URLSearchParams(raw)), requestId);
    }
    if (/^\/common\/discovery\/instance$/i.test(url.pathname)) {
      const host = new URL(ctx.baseUrl).host;
      return send(
        outgoing,
        jsonResponse(200, {
          tenant_discovery_endpoint: `${authority}/${tenantId}/v2.0/.well-known/openid-configuration`,
          "api-version": "1.1",
          metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
        }),
        requestId,
      );
    }
    const version = /^\/(v1\.0|beta)(\/|$)/i.exec(url.pathname)?.[1]?.toLowerCase();
    if (version === undefined) {
      return send(outgoing, graphError(request, 404, "BadRequest", "Unsupported API version: use /v1.0 or /beta."), requestId);
    }

    const authorization = incoming.headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    const issued = bearer ? tokens.get(bearer) : undefined;
    if (!bearer) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Access token is empty."), requestId);
    }
    if (!issued) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."), requestId);
    }
    if (issued.expiresAt <= Date.now()) {
      return send(outgoing, graphError(request, 401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."), requestId);
    }

    let body: unknown;
    if (raw.length > 0 && (incoming.headers["content-type"] ?? "").includes("json")) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(outgoing, graphError(request, 400, "BadRequest", "Unable to read JSON request payload."), requestId);
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (typeof value === "string") headers[name.toLowerCase()] = value;
      else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(", ");
    }
    const response = await dispatch({
      method,
      path: url.pathname.replace(/^\/(v1\.0|beta)/i, "") || "/",
      version: version === "beta" ? "beta" : "v1.0",
      query: url.searchParams,
      headers,
      body,
      requestId,
    });
    send(outgoing, response, requestId);
  }
  return { send, handleHttp };
}
