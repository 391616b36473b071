// One request through the admin API, runtime-neutral (functions/ maps @azure/functions onto it):
// match the route; authenticate (nothing else is read before this, so an anonymous request causes
// no store I/O); check the roles; validate path, query, headers and body against the route's
// schemas; only then build the services and run the handler. Every error is problem+json.
import { z } from "zod";
import { SettingsError } from "../domain/settings.js";
import type { Caller, TokenValidator } from "./auth.js";
import { ApiProblem, fieldErrorsOf, PROBLEM_CONTENT_TYPE, settingsProblem } from "./problem.js";
import type { ApiResult, ApiRoute, RouteInput } from "./route.js";
import type { ApiServices } from "./services.js";

export interface ApiRequest {
  method: string;
  /** Below /api, e.g. "/admin/settings/organization". */
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
  readText(): Promise<string>;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export interface ApiRouterOptions {
  routes: readonly ApiRoute[];
  /** Built on first use from the app settings; reads no store. */
  validator(): Promise<TokenValidator>;
  /** Built only for an authenticated, authorised, valid request. */
  services(): Promise<ApiServices>;
  maxBodyBytes(): number;
  log(line: string): void;
}

interface CompiledPath {
  route: ApiRoute;
  pattern: RegExp;
  names: string[];
}

function compilePath(route: ApiRoute): CompiledPath {
  const names: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      const parameter = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
      if (parameter) {
        names.push(parameter[1] ?? "");
        return "([^/]+)";
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}/?$`, "i"), names };
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

export function createApiRouter(options: ApiRouterOptions): (request: ApiRequest) => Promise<ApiResponse> {
  const compiled = options.routes.map(compilePath);

  return async (request) => {
    try {
      return await answer(request);
    } catch (error) {
      if (error instanceof ApiProblem) return problemResponse(error);
      if (error instanceof SettingsError) return problemResponse(settingsProblem(error, { scope: error.setting.split(".")[0] ?? "" }));
      options.log(`admin API: ${request.method} ${request.path} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return problemResponse(new ApiProblem(500, "the request failed on the server; it is logged"));
    }
  };

  async function answer(request: ApiRequest): Promise<ApiResponse> {
    const method = request.method.toUpperCase();
    const candidates = compiled.flatMap((entry) => {
      const match = entry.pattern.exec(request.path);
      return match ? [{ entry, match }] : [];
    });
    if (candidates.length === 0) throw new ApiProblem(404, `no route ${request.path}`);
    const found = candidates.find(({ entry }) => entry.route.method === method);
    if (!found) {
      const allow = [...new Set(candidates.map(({ entry }) => entry.route.method))].join(", ");
      throw new ApiProblem(405, `${request.path} answers ${allow}`, { headers: { Allow: allow } });
    }
    const { route } = found.entry;

    // 1. Who is calling: before any other I/O.
    const validate = await options.validator();
    const authentication = await validate(request.header("authorization"));
    if (!authentication.ok) {
      if (authentication.unavailable) throw new ApiProblem(503, authentication.reason, { headers: { "Retry-After": "30" } });
      const challenge = request.header("authorization")
        ? `Bearer error="invalid_token", error_description="${authentication.reason.replace(/"/g, "'")}"`
        : "Bearer";
      throw new ApiProblem(401, authentication.reason, { headers: { "WWW-Authenticate": challenge } });
    }
    const { caller } = authentication;
    const byRole = route.access.roles.some((role) => caller.roles.includes(role));
    if (!byRole && !route.access.mailboxOwner) throw forbidden(route);

    // 2. What they sent: the path and query first; a caller let in only as a mailbox owner must
    // own the mailbox they name before their body is read (so a stranger gets 403, never a 400).
    const params = parsePart(route.params, pathParams(found.entry, found.match), "params");
    const query = parsePart(route.query, queryObject(request.query), "query");
    const header = (name: string) => request.header(name.toLowerCase());
    if (!byRole) await requireMailboxOwner(route, { params, query, body: undefined, text: undefined, caller, header }, await options.services(), caller);
    const { body, text } = await readBody(route, request);
    const input: RouteInput<unknown, unknown, unknown> = { params, query, body, text, caller, header };

    // 3. The work.
    return toResponse(await route.handle(input, await options.services()));
  }

  function pathParams(entry: CompiledPath, match: RegExpExecArray): Record<string, string> {
    const params: Record<string, string> = {};
    for (const [index, name] of entry.names.entries()) {
      const value = decode(match[index + 1] ?? "");
      if (value === undefined) throw new ApiProblem(400, `path parameter ${name} is not valid percent-encoding`, { errors: [{ field: `params.${name}`, message: "not valid percent-encoding" }] });
      params[name] = value;
    }
    return params;
  }

  async function readBody(route: ApiRoute, request: ApiRequest): Promise<{ body: unknown; text: string | undefined }> {
    if (!route.body && !route.textBody) return { body: undefined, text: undefined };
    const limit = route.maxBodyBytes ?? options.maxBodyBytes();
    const declared = Number(request.header("content-length") ?? "0");
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
    const mediaType = (request.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    const accepted = route.textBody ? route.textBody.mediaTypes : ["application/json"];
    const raw = await request.readText();
    if (Buffer.byteLength(raw, "utf8") > limit) throw tooLarge(limit);
    if (raw === "" && route.body && !route.textBody) {
      const empty = route.body.safeParse(undefined);
      if (empty.success) return { body: empty.data, text: undefined };
    }
    if (!accepted.includes(mediaType)) {
      throw new ApiProblem(415, `the body must be ${accepted.join(" or ")} (got ${mediaType || "no content type"})`, {
        errors: [{ field: "header.Content-Type", message: `must be ${accepted.join(" or ")}` }],
      });
    }
    if (route.textBody && mediaType !== "application/json") return { body: undefined, text: raw };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new ApiProblem(400, `the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
        errors: [{ field: "body", message: "not valid JSON" }],
      });
    }
    return { body: route.body ? parsePart(route.body, json, "") : json, text: undefined };
  }

  async function requireMailboxOwner(route: ApiRoute, input: RouteInput<unknown, unknown, unknown>, services: ApiServices, caller: Caller): Promise<void> {
    const address = route.mailboxOf ? await route.mailboxOf(input, services) : undefined;
    const mailbox = address === undefined ? undefined : await services.store.settings.getMailbox(address);
    // An address match alone grants nothing: only the owner's object id does.
    if (!mailbox?.ownerObjectId || mailbox.ownerObjectId.toLowerCase() !== caller.oid.toLowerCase()) throw forbidden(route);
  }
}

function forbidden(route: ApiRoute): ApiProblem {
  const roles = route.access.roles.join(" or ");
  const owner = route.access.mailboxOwner ? " (or ownership of the mailbox)" : "";
  return new ApiProblem(403, `${route.method} ${route.path} needs the app role ${roles}${owner}`);
}

function tooLarge(limit: number): ApiProblem {
  return new ApiProblem(413, `the body is larger than ${limit} bytes`, { errors: [{ field: "body", message: `at most ${limit} bytes` }] });
}

/** Query parameters as an object; a repeated name keeps its first value. */
function queryObject(query: URLSearchParams): Record<string, string> {
  const object: Record<string, string> = {};
  for (const [name, value] of query) if (!(name in object)) object[name] = value;
  return object;
}

function parsePart(schema: z.ZodType | undefined, value: unknown, prefix: string): unknown {
  if (!schema) return prefix === "" ? value : {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrorsOf(result.error, prefix);
  throw new ApiProblem(400, errors.map((error) => `${error.field}: ${error.message}`).join("; "), { errors });
}

function problemResponse(problem: ApiProblem): ApiResponse {
  return {
    status: problem.status,
    headers: { "Content-Type": PROBLEM_CONTENT_TYPE, ...problem.headers },
    body: JSON.stringify(problem.toBody()),
  };
}

function toResponse(result: ApiResult): ApiResponse {
  const headers = { ...result.headers };
  if (result.text) return { status: result.status, headers: { "Content-Type": result.text.contentType, ...headers }, body: result.text.content };
  if (result.body === undefined) return { status: result.status, headers };
  return { status: result.status, headers: { "Content-Type": "application/json; charset=utf-8", ...headers }, body: JSON.stringify(result.body) };
}

