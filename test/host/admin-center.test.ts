// The admin center function through the local host over real HTTP, serving the real build:
// caching, compression, security headers, and bad paths answered 400/404 (never 5xx).
import http from "node:http";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalHost } from "../../local/host/index.js";
import { startAdminCenterHost } from "../support/admin-center-host.js";

let host: LocalHost;
let script: string;

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** node:http sends the path exactly as given (fetch would normalise dot segments first). */
function rawGet(requestPath: string, headers: Record<string, string> = {}, method = "GET"): Promise<RawResponse> {
  const { hostname, port } = new URL(host.baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: requestPath, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

beforeAll(async () => {
  const started = await startAdminCenterHost();
  host = started.host;
  const assets = await readdir(path.join(started.outDir, "assets"));
  script = assets.find((name) => name.endsWith(".js")) ?? "";
}, 120_000);

afterAll(async () => {
  await host?.close();
});

describe("GET /api/admin-center", () => {
  it.each(["/api/admin-center/", "/api/admin-center/settings", "/api/admin-center/mailboxes/ada%40contoso.com", "/API/Admin-Center/index.html"])(
    "%s → index.html, revalidated by ETag",
    async (requestPath) => {
      const response = await rawGet(requestPath);
      expect(response.status).toBe(200);
      expect(response.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(response.headers["cache-control"]).toBe("no-cache");
      expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(response.body.toString()).toContain("<tracker-app>");
      expect(response.body.toString()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    },
  );

  it("redirects the bare mount point to the address with a slash", async () => {
    const response = await rawGet("/api/admin-center?x=1");
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe("/api/admin-center/?x=1");
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const first = await rawGet("/api/admin-center/");
    const again = await rawGet("/api/admin-center/", { "if-none-match": String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(first.headers.etag);
  });

  it("serves hashed assets as immutable, compressed when asked, HEAD without a body", async () => {
    expect(script).toMatch(/^index-[A-Za-z0-9_-]{8}\.js$/);
    const plain = await rawGet(`/api/admin-center/assets/${script}`);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const br = await rawGet(`/api/admin-center/assets/${script}`, { "accept-encoding": "gzip, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.headers.vary).toBe("Accept-Encoding");
    expect(br.headers.etag).not.toBe(plain.headers.etag);
    expect(br.body.length).toBeLessThan(plain.body.length);
    const head = await rawGet(`/api/admin-center/assets/${script}`, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(plain.body.length));
    expect(head.body.length).toBe(0);
  });

  it("serves config.json (sign-in not configured yet)", async () => {
    const response = await rawGet("/api/admin-center/config.json");
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ apiBase: "/api", signIn: null });
  });

  it.each([
    { path: "/api/admin-center/assets/nope.js", status: 404 },
    { path: "/api/admin-center/host.json", status: 404 },
    { path: "/api/admin-center/..%2f..%2fhost.json", status: 400 },
    { path: "/api/admin-center/assets/..%5c..%5chost.json", status: 400 },
    { path: "/api/admin-center/%E0%A4%A", status: 400 },
    { path: "/api/admin-center/index.html%00.js", status: 400 },
    { path: `/api/admin-center/${"x".repeat(2000)}.js`, status: 400 },
  ])("$path → $status with problem details and the security headers", async ({ path: requestPath, status }) => {
    const response = await rawGet(requestPath);
    expect(response.status).toBe(status);
    expect(response.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(response.body.toString())).toMatchObject({ status, field: "path" });
    expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it("encoded dot segments climb no higher than the URL parser lets them: no route, nothing read", async () => {
    const response = await rawGet("/api/admin-center/%2e%2e/%2e%2e/package.json");
    expect(response.status).toBe(404);
    expect(response.body.toString()).not.toContain("email-activity-tracker");
  });

  it.each(["/api/admin-center/", `/api/admin-center/config.json`])("%s carries the security headers", async (requestPath) => {
    const response = await rawGet(requestPath);
    expect(response.headers["content-security-policy"]).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
    expect(response.headers["content-security-policy"]).toContain("connect-src 'self' https://login.microsoftonline.com");
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["referrer-policy"]).toBe("no-referrer");
  });

  it("refuses other methods", async () => {
    expect((await rawGet("/api/admin-center/", {}, "POST")).status).toBe(405);
  });
});
