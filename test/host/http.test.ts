// The local host's HTTP side over fixture functions: routing, 404/405, what a handler receives,
// how its response is written, and a handler failure.
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { developmentConnectionString } from "../../local/azurite.js";
import { startLocalHost, type LocalHost } from "../../local/host/index.js";

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures");
const lines: string[] = [];
let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({
    functionFiles: [path.join(fixtures, "http-functions.ts")],
    // HTTP-only fixtures: the queue client is never used, so no Azurite is started.
    storageConnectionString: developmentConnectionString({ queueEndpoint: "http://127.0.0.1:9/devstoreaccount1" }),
    port: 0,
    timers: "manual",
    log: (line) => lines.push(line),
  });
});

afterAll(async () => {
  await host?.close();
});

describe("startLocalHost HTTP", () => {
  it.each([
    { path: "/api/hello/ada", status: 200, body: "hello ada" },
    { path: "/api/hello", status: 200, body: "hello nobody" },
    { path: "/API/Hello/Grace", status: 200, body: "hello Grace" },
    { path: "/api/hello/caf%C3%A9", status: 200, body: "hello café" },
    { path: "/api/defaultRoute", status: 200, body: "default GET" },
  ])("GET $path → $status text/plain", async ({ path: requestPath, status, body }) => {
    const response = await fetch(`${host.baseUrl}${requestPath}`);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe(body);
  });

  it.each([
    { method: "GET", path: "/api/nothing-here", status: 404 },
    { method: "GET", path: "/hello/ada", status: 404 },
    { method: "GET", path: "/api/hello/ada/extra", status: 404 },
    { method: "GET", path: "/api/echo", status: 404 },
    { method: "POST", path: "/api/hello/ada", status: 405 },
    { method: "GET", path: "/api/echo/1", status: 405 },
    { method: "PUT", path: "/api/defaultRoute", status: 405 },
    { method: "GET", path: "/admin/functions/hello", status: 405 },
    { method: "POST", path: "/admin/functions/hello", status: 400 },
    { method: "POST", path: "/admin/functions/unknown", status: 404 },
  ])("$method $path → $status", async ({ method, path: requestPath, status }) => {
    const response = await fetch(`${host.baseUrl}${requestPath}`, { method });
    expect(response.status).toBe(status);
  });

  it.each(["POST", "PUT"])("%s delivers method, route params, repeated query, headers and body; answers jsonBody", async (method) => {
    const body = JSON.stringify({ value: "ünïcode", n: 1 });
    const response = await fetch(`${host.baseUrl}/api/echo/42?tag=a&tag=b`, {
      method,
      headers: { "content-type": "application/json", "x-test": `header-${method}` },
      body,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-echo")).toBe(`header-${method}`);
    expect(await response.json()).toEqual({
      method,
      url: `${host.baseUrl}/api/echo/42?tag=a&tag=b`,
      id: "42",
      tags: ["a", "b"],
      contentType: "application/json",
      body,
      functionName: "echo",
      triggerType: "httpTrigger",
    });
  });

  it("POST without a body delivers an empty body", async () => {
    const response = await fetch(`${host.baseUrl}/api/echo/7`, { method: "POST" });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { body: string }).body).toBe("");
  });

  it("writes a bytes body unchanged", async () => {
    const response = await fetch(`${host.baseUrl}/api/bytes`);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 254, 255]);
  });

  it("writes a status without a body", async () => {
    const response = await fetch(`${host.baseUrl}/api/things/9`, { method: "DELETE" });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("answers 500 with a generic body when the handler throws, and logs the error", async () => {
    const before = host.stats().failures["boom"] ?? 0;
    const response = await fetch(`${host.baseUrl}/api/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).toBe("Internal Server Error");
    expect(text).not.toContain("secret internal detail");
    expect(host.stats().failures["boom"]).toBe(before + 1);
    expect(lines.some((line) => line.includes("Executed 'Functions.boom' (Failed") && line.includes("secret internal detail"))).toBe(true);
  });

  it("prefixes context.log and context.warn lines with the function name", async () => {
    await fetch(`${host.baseUrl}/api/hello/lin`);
    await fetch(`${host.baseUrl}/api/boom`);
    expect(lines).toContain("[hello] saying hello to lin");
    expect(lines).toContain("[boom] warning: about to fail");
  });

  it("counts invocations per function", async () => {
    const before = host.stats().invocations["defaultRoute"] ?? 0;
    await fetch(`${host.baseUrl}/api/defaultRoute`, { method: "POST" });
    await fetch(`${host.baseUrl}/api/defaultRoute`);
    expect(host.stats().invocations["defaultRoute"]).toBe(before + 2);
  });

  it.each([
    { name: "an invalid Host header", target: "/api/hello/ada", host: "[::1" },
    { name: "a Host header with a space", target: "/api/hello/ada", host: "exa mple" },
    { name: "a bad %-escape in an admin path", target: "/admin/functions/%zz", host: "127.0.0.1", method: "POST" },
  ])("answers 400 for $name, and keeps serving", async ({ target, host: hostHeader, method }) => {
    expect(await rawStatus(`${method ?? "GET"} ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`)).toBe(400);
    expect((await fetch(`${host.baseUrl}/api/hello/ada`)).status).toBe(200);
  });

  it("hands a route segment with a bad %-escape to the function as it is (no 500)", async () => {
    const response = await fetch(`${host.baseUrl}/api/hello/%E0%A4%A`);
    expect([response.status, await response.text()]).toEqual([200, "hello %E0%A4%A"]);
  });

  it("rejects triggerTimer for a function that is not a timer", async () => {
    await expect(host.triggerTimer("hello")).rejects.toThrow(/no timer function named hello/);
  });
});

/** Sends a raw request (fetch cannot send a malformed Host header) and returns the status. */
function rawStatus(request: string): Promise<number> {
  const { port } = new URL(host.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => socket.write(request));
    let text = "";
    socket.on("data", (chunk) => (text += chunk.toString("latin1")));
    socket.on("end", () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on("error", reject);
  });
}
