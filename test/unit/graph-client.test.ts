import { describe, expect, it } from "vitest";
import type { TokenCredential } from "@azure/identity";
import { createGraphClient } from "../../src/adapters/graph/graph-client.js";
import { createGraphGateway } from "../../src/adapters/graph/graph-gateway.js";

// Never asked for a token: these tests fail before any request.
const credential: TokenCredential = { getToken: async () => null };

describe("createGraphClient", () => {
  it.each([
    ["http://127.0.0.1:8080/", /must use https/],
    ["graph.microsoft.com", /must be an absolute https URL/],
  ])("rejects base URL %s", (baseUrl, message) => {
    expect(() => createGraphClient({ credential, baseUrl })).toThrow(message);
  });

  it.each(["https://graph.microsoft.com/", "https://127.0.0.1:9443/", "https://127.0.0.1:9443/v1.0/", "https://localhost:9443/beta"])("accepts %s", async (baseUrl) => {
    const handle = createGraphClient({ credential, baseUrl, ca: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n" });
    expect(handle.client).toBeDefined();
    await handle.close();
  });
});

describe("createGraphGateway options", () => {
  it.each([
    [{ maxConcurrencyPerMailbox: 5 }, /maxConcurrency must be an integer from 1 to 4/],
    [{ maxConcurrencyPerMailbox: 0 }, /maxConcurrency must be an integer from 1 to 4/],
    [{ maxRetries: -1 }, /maxRetries must be a non-negative integer/],
    [{ maxRetries: 1.5 }, /maxRetries must be a non-negative integer/],
  ])("rejects %j", (options, message) => {
    expect(() => createGraphGateway({ credential, ...options })).toThrow(message);
  });

  it("rejects a delta page size that is not a positive integer, before any request", async () => {
    const gateway = createGraphGateway({ credential });
    const pages = gateway.delta("u@contoso.com", "inbox", { pageSize: 0 });
    await expect(pages[Symbol.asyncIterator]().next()).rejects.toThrow(/pageSize must be a positive integer/);
    expect(gateway.requestCount()).toBe(0);
    await gateway.close();
  });
});
