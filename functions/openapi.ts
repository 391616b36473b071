// HTTP GET /api/openapi.json: the admin API's OpenAPI 3.1 document, generated from the schemas the
// routes validate with. Anonymous: it describes the API and reads nothing.
import type { HttpResponseInit } from "@azure/functions";
import { buildOpenApiDocument, OPENAPI_VERSION } from "../src/api/openapi.js";
import { registeredApiRoutes } from "../src/host/api.js";
import { registerFunction } from "../src/host/registration.js";

let document: string | undefined;

export async function openapi(): Promise<HttpResponseInit> {
  // Built on first request, when every function file has registered its routes.
  document ??= JSON.stringify(buildOpenApiDocument({ routes: registeredApiRoutes(), version: OPENAPI_VERSION }));
  return { status: 200, headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" }, body: document };
}

registerFunction({
  kind: "http",
  name: "openapi",
  options: { methods: ["GET"], route: "openapi.json", authLevel: "anonymous", handler: openapi },
});
