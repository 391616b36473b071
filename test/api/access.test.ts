// Every admin API route, table-driven from the registered routes (a new route is tested without
// being listed here): 401 with WWW-Authenticate: Bearer without a valid token, 403 with a valid
// token lacking the route's roles, and no store request for either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_APP_ROLES } from "../../src/api/roles.js";
import { registeredApiRoutes } from "../../src/host/api.js";
import { LOCAL_API_AUDIENCE } from "../../local/stack.js";
import { samplePath, startApiStack, type ApiClient } from "./api-support.js";

let api: ApiClient;
beforeAll(async () => {
  api = await startApiStack();
});
afterAll(async () => {
  await api?.stack.close();
});

const routes = () => registeredApiRoutes();

describe("every route", () => {
  it("is registered (the functions were loaded)", () => {
    expect(routes().length).toBeGreaterThanOrEqual(3);
  });

  it("answers 401 with WWW-Authenticate: Bearer and problem+json to a request without a token, reading no store", async () => {
    const services = await api.stack.services();
    for (const route of routes()) {
      const before = services.cosmosRequestCount();
      const answer = await api.call(route.method, samplePath(route), route.body || route.textBody ? { body: {} } : {});
      expect([route.operationId, answer.status]).toEqual([route.operationId, 401]);
      expect(answer.headers.get("www-authenticate")).toBe("Bearer");
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect(answer.body).toMatchObject({ status: 401, title: "Unauthorized" });
      expect([route.operationId, services.cosmosRequestCount()]).toEqual([route.operationId, before]);
    }
  });

  it("answers 401 to a token signed by a key outside the tenant's JWKS", async () => {
    const token = await api.stack.graph.identity.issueForeignToken({ audience: LOCAL_API_AUDIENCE, roles: [...ALL_APP_ROLES] });
    for (const route of routes()) {
      const answer = await api.call(route.method, samplePath(route), { token, ...(route.body || route.textBody ? { body: {} } : {}) });
      expect([route.operationId, answer.status]).toEqual([route.operationId, 401]);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it("answers 403 to a valid token without any of the route's roles, reading no store unless the route lets owners in", async () => {
    const services = await api.stack.services();
    for (const route of routes()) {
      const others = ALL_APP_ROLES.filter((role) => !route.access.roles.includes(role));
      const before = services.cosmosRequestCount();
      const answer = await api.call(route.method, samplePath(route), {
        roles: others,
        user: "nobody-owns-this@contoso.example.com",
        ...(route.body || route.textBody ? { body: {} } : {}),
      });
      expect([route.operationId, answer.status]).toEqual([route.operationId, 403]);
      expect(answer.headers.get("content-type")).toBe("application/problem+json");
      expect((answer.body as { detail: string }).detail).toContain(route.access.roles[0]);
      if (!route.access.mailboxOwner) expect([route.operationId, services.cosmosRequestCount()]).toEqual([route.operationId, before]);
    }
  });

  it("lets a token with each of the route's roles past authorisation", async () => {
    for (const route of routes()) {
      for (const role of route.access.roles) {
        const answer = await api.call(route.method, samplePath(route), { roles: [role], ...(route.body || route.textBody ? { body: {} } : {}) });
        expect([route.operationId, role, answer.status === 401 || answer.status === 403]).toEqual([route.operationId, role, false]);
      }
    }
  });
});

describe("tokens", () => {
  const route = "/admin/settings/organization";
  const now = Math.floor(Date.now() / 1000);
  it.each([
    ["expired beyond the clock tolerance", { issuedAt: now - 7_200, lifetimeSeconds: 3_600 }],
    ["not valid yet beyond the clock tolerance", { notBefore: now + 600 }],
    ["for another audience", { audience: "api://someone-else" }],
    ["from another tenant", { tenantId: "9b7c1d9e-0000-4000-8000-000000000000" }],
  ])("refuses a token %s", async (_name, overrides) => {
    const token = await api.stack.graph.identity.issueApiToken({ audience: LOCAL_API_AUDIENCE, roles: ["Tracking.Read"], ...overrides });
    const answer = await api.call("GET", route, { token });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it.each([
    ["v2", { version: "2.0" as const }],
    ["v1", { version: "1.0" as const }],
    ["expired within the clock tolerance", { issuedAt: now - 3_660, lifetimeSeconds: 3_600 }],
  ])("accepts a %s token", async (_name, overrides) => {
    const token = await api.stack.graph.identity.issueApiToken({ audience: LOCAL_API_AUDIENCE, roles: ["Tracking.Read"], ...overrides });
    expect((await api.call("GET", route, { token })).status).toBe(200);
  });

  it.each([
    ["not a bearer token", "Basic dXNlcjpwYXNz"],
    ["a malformed token", "Bearer abc.def"],
    ["an unsigned token", `Bearer ${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from("{}").toString("base64url")}.`],
  ])("refuses %s", async (_name, authorization) => {
    const answer = await api.call("GET", route, { headers: { authorization } });
    expect(answer.status).toBe(401);
  });
});
