// The OpenAPI document: a well-kept validator accepts it, it is built from the registered routes
// only, and every route in it is served by a registered HTTP function (and every admin function's
// routes are in it).
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument, OPENAPI_VERSION } from "../../src/api/openapi.js";
import { registeredApiFunctions, registeredApiRoutes, ROUTE_PREFIX } from "../../src/host/api.js";
import { registeredFunctions } from "../../src/host/registration.js";
import { compileRoute } from "../../local/host/routes.js";
import { openapi } from "../../functions/openapi.js";

const functionsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../functions");
type Document = { paths: Record<string, Record<string, { operationId: string; "x-app-roles": string[] }>> };
let document: Document;

beforeAll(async () => {
  for (const file of (await readdir(functionsDir)).filter((name) => name.endsWith(".ts")).sort()) {
    await import(pathToFileURL(path.join(functionsDir, file)).href);
  }
  document = buildOpenApiDocument({ routes: registeredApiRoutes(), version: OPENAPI_VERSION }) as Document;
});

const METHODS = ["get", "put", "post", "delete", "patch"];
const operations = () =>
  Object.entries(document.paths).flatMap(([template, item]) =>
    Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, operation]) => ({ template, method: method.toUpperCase(), operation })),
  );
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, "sample");

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("would be refused by the validator with a parameter in the body (OpenAPI 2 style)", async () => {
    const broken = structuredClone(document) as Document;
    const [first] = operations();
    (broken.paths[first?.template ?? ""]?.[first?.method.toLowerCase() ?? ""] as Record<string, unknown>)["parameters"] = [{ name: "x", in: "body" }];
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it("is what GET /api/openapi.json serves", async () => {
    const served = await openapi();
    expect(served.status).toBe(200);
    expect(JSON.parse(String(served.body))).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it("has every route of every admin function, once", () => {
    const routes = registeredApiRoutes();
    expect(operations().length).toBe(routes.length);
    for (const route of routes) {
      expect(document.paths[route.path]?.[route.method.toLowerCase()]?.operationId).toBe(route.operationId);
    }
  });

  it("lists only routes a registered HTTP function serves, with that method", () => {
    const http = registeredFunctions().filter((definition) => definition.kind === "http");
    for (const { template, method } of operations()) {
      const servers = http.filter((definition) => {
        const options = definition.options as { route?: string; methods?: string[] };
        return compileRoute(options.route ?? definition.name).match(concrete(template)) !== undefined && (options.methods ?? []).includes(method);
      });
      expect([template, method, servers.map((s) => s.name)]).toEqual([template, method, [expect.any(String)]]);
    }
  });

  it("names the roles of every operation", () => {
    for (const { operation } of operations()) expect(operation["x-app-roles"].length).toBeGreaterThan(0);
  });

  it("is served at /api/openapi.json by a registered function", () => {
    const served = registeredFunctions().find((definition) => definition.kind === "http" && (definition.options as { route?: string }).route === "openapi.json");
    expect(served?.name).toBe("openapi");
    expect(ROUTE_PREFIX).toBe("api");
    expect(registeredApiFunctions().every((fn) => fn.route.startsWith("admin/"))).toBe(true);
  });
});
