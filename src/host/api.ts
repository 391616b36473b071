// The admin API on Azure Functions: each functions/admin*.ts file registers one HTTP function for
// a group of routes (`admin/settings/{*path}` → the settings routes) through registerApiFunction,
// which also records the routes for the OpenAPI document and the tests. One router per function;
// the token validator is built once per process from the app settings and reads no store.
import { readFile } from "node:fs/promises";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { createTrustingFetch } from "../adapters/graph/graph-client.js";
import { createTokenValidator, type TokenValidator } from "../api/auth.js";
import type { ApiRoute, HttpMethod } from "../api/route.js";
import { createApiRouter, type ApiRequest } from "../api/router.js";
import { loadAppSettings } from "../config/index.js";
import { registerFunction } from "./registration.js";
import { getServices } from "./services.js";

/** host.json's extensions.http.routePrefix (the default). */
export const ROUTE_PREFIX = "api";

export interface ApiFunction {
  name: string;
  /** The function's route below /api, ending in `{*path}`: "admin/settings/{*path}". */
  route: string;
  routes: readonly ApiRoute[];
}

const functions: ApiFunction[] = [];

/** Every admin API route the loaded functions registered (the OpenAPI document lists these). */
export function registeredApiRoutes(): readonly ApiRoute[] {
  return functions.flatMap((fn) => fn.routes);
}

export function registeredApiFunctions(): readonly ApiFunction[] {
  return functions;
}

export function registerApiFunction(definition: ApiFunction): void {
  const literal = `/${definition.route.replace(/\/?\{\*[A-Za-z]+\}$/, "")}`;
  for (const route of definition.routes) {
    if (route.path !== literal && !route.path.startsWith(`${literal}/`)) {
      throw new Error(`route ${route.method} ${route.path} is not below ${definition.name}'s route ${definition.route}`);
    }
  }
  const operationIds = new Set(registeredApiRoutes().map((route) => route.operationId));
  for (const route of definition.routes) {
    if (operationIds.has(route.operationId)) throw new Error(`operationId ${route.operationId} is used twice`);
    operationIds.add(route.operationId);
  }
  functions.push(definition);
  const router = createApiRouter({
    routes: definition.routes,
    validator: apiTokenValidator,
    services: getServices,
    maxBodyBytes: () => loadAppSettings(process.env, { need: ["api"] }).api.maxBodyBytes,
    log: (line) => console.error(line),
  });
  const methods = [...new Set(definition.routes.map((route) => route.method))] as HttpMethod[];
  registerFunction({
    kind: "http",
    name: definition.name,
    options: {
      methods,
      route: definition.route,
      // The API authenticates every request itself (Entra ID tokens, src/api/auth.ts).
      authLevel: "anonymous",
      handler: async (request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> => {
        const response = await router(toApiRequest(request));
        return { status: response.status, headers: response.headers, ...(response.body !== undefined ? { body: response.body } : {}) };
      },
    },
  });
}

export function toApiRequest(request: HttpRequest): ApiRequest {
  const url = new URL(request.url);
  const prefix = `/${ROUTE_PREFIX}`;
  const path = url.pathname.toLowerCase().startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : url.pathname;
  return {
    method: request.method,
    path,
    query: url.searchParams,
    header: (name) => request.headers.get(name) ?? undefined,
    readText: () => request.text(),
  };
}

let validator: { key: string; value: Promise<TokenValidator> } | undefined;

/** The process's token validator, rebuilt when its settings change (a new local stack in tests). */
export function apiTokenValidator(): Promise<TokenValidator> {
  const { api } = loadAppSettings(process.env, { need: ["api"] });
  const key = JSON.stringify(api);
  if (validator?.key !== key) {
    const value = (async () => {
      if (api.audiences.length === 0) throw new Error("API_AUDIENCE is not set: the admin API accepts no token without it (docs/deploy.md)");
      if (!api.tenantId) throw new Error("API_TENANT_ID (or GRAPH_TENANT_ID) is not set: the admin API needs the tenant whose tokens it accepts");
      const ca = api.caFile ? await readFile(api.caFile, "utf8") : undefined;
      // The JWKS client trusts the local CA on its own: nothing process-wide changes.
      const trusting = createTrustingFetch(ca === undefined ? {} : { ca });
      return createTokenValidator({ tenantId: api.tenantId, audiences: api.audiences, authorityHost: api.authorityHost, fetch: trusting.fetch });
    })();
    value.catch(() => {
      if (validator?.value === value) validator = undefined;
    });
    validator = { key, value };
  }
  return validator.value;
}
