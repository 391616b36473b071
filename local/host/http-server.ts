// The HTTP side of the local host: `/<routePrefix>/<route>` to HTTP functions (404 for no route,
// 405 for a route without the method) and `POST /admin/functions/<name>` to run a timer or queue
// function by hand, as the real host's admin endpoint does (answered 202 before it runs).
import http from "node:http";
import type { AddressInfo } from "node:net";
import functionsLibrary, { type Cookie, type HttpResponseInit } from "@azure/functions";
import type { Invoker, PreparedFunction } from "./invocation.js";
import type { CompiledRoute } from "./routes.js";

// @azure/functions is CommonJS and defines its classes as getters, which Node's ESM loader cannot
// see as named exports (`import { HttpRequest }` fails under tsx/node; only vitest tolerates it).
const { HttpRequest, HttpResponse } = functionsLibrary;

export interface HttpFunctionRoute {
  fn: PreparedFunction;
  route: CompiledRoute;
  /** Upper case. */
  methods: readonly string[];
}

export interface StartHttpServerOptions {
  port: number;
  routePrefix: string;
  routes: readonly HttpFunctionRoute[];
  invoker: Invoker;
  log: (line: string) => void;
  /** Runs a non-HTTP function by name with the admin endpoint's `input`; undefined when there is no such function. */
  runByAdmin: (name: string, input: string | undefined) => "started" | "not found" | "http function";
}

export interface RunningHttpServer {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startHttpServer(options: StartHttpServerOptions): Promise<RunningHttpServer> {
  const server = http.createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log(`local host: request ${request.method} ${request.url} failed: ${String(error)}`);
      if (!response.headersSent) writePlain(response, 500, "Internal Server Error");
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(
  options: StartHttpServerOptions,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const url = requestUrl(request);
  const method = (request.method ?? "GET").toUpperCase();
  const body = await readBody(request);
  // A Host header that is no host is the client's mistake, not the host's.
  if (!url) return writePlain(response, 400, "Bad Request: invalid Host header or URL");
  const path = url.pathname;

  const admin = /^\/admin\/functions\/([^/]+)\/?$/i.exec(path);
  if (admin) {
    if (method !== "POST") return writePlain(response, 405, "Method Not Allowed");
    const name = decoded(admin[1] ?? "");
    // Function routes get undecodable segments as they are (the function answers); a function name cannot be one.
    if (name === undefined) return writePlain(response, 400, "Bad Request: invalid %-escape in the function name");
    const outcome = options.runByAdmin(name, adminInput(body));
    if (outcome === "not found") return writePlain(response, 404, `no function named ${name}`);
    if (outcome === "http function") return writePlain(response, 400, `${name} is an HTTP function: call its route`);
    response.writeHead(202).end();
    return;
  }

  const prefix = options.routePrefix === "" ? "/" : `/${options.routePrefix.toLowerCase()}/`;
  if (!`${path.toLowerCase()}/`.startsWith(prefix)) return writePlain(response, 404, "Not Found");
  const routePath = path.slice(prefix.length - 1);
  let routeExists = false;
  for (const candidate of options.routes) {
    const match = candidate.route.match(routePath);
    if (match === undefined) continue;
    routeExists = true;
    if (!candidate.methods.includes(method)) continue;
    const httpRequest = new HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(request.headers),
      params: match.params,
      ...(body.length > 0 && { body: { bytes: body } }),
    });
    const result = await options.invoker.invoke({ fn: candidate.fn, input: httpRequest, reason: "This function was programmatically called via the host APIs." });
    if (!result.ok) return writePlain(response, 500, "Internal Server Error");
    return writeFunctionResponse(response, result.value);
  }
  if (routeExists) return writePlain(response, 405, "Method Not Allowed");
  return writePlain(response, 404, "Not Found");
}

async function writeFunctionResponse(response: http.ServerResponse, value: unknown): Promise<void> {
  // An HttpResponseInit goes through HttpResponse, as in the library, so jsonBody and body types
  // get the same serialisation and content type.
  const functionResponse =
    value instanceof HttpResponse ? value : new HttpResponse((value ?? {}) as HttpResponseInit);
  const headers: Record<string, string | string[]> = {};
  functionResponse.headers.forEach((headerValue, name) => {
    headers[name] = headerValue;
  });
  const cookies = functionResponse.cookies.map(serializeCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const responseBody = Buffer.from(await functionResponse.arrayBuffer());
  response.writeHead(functionResponse.status, headers);
  response.end(responseBody);
}

function requestUrl(request: http.IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? "/", `http://${request.headers.host ?? "127.0.0.1"}`);
  } catch {
    return undefined;
  }
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function writePlain(response: http.ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** The admin endpoint's body is `{ "input": "..." }`; anything else means no input. */
function adminInput(body: Buffer): string | undefined {
  if (body.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (typeof parsed === "object" && parsed !== null && "input" in parsed) {
      const input = (parsed as { input: unknown }).input;
      return typeof input === "string" ? input : JSON.stringify(input);
    }
  } catch {
    // Not JSON: no input, as the real host treats it.
  }
  return undefined;
}

function serializeCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push("Secure");
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join("; ");
}
