import { describe, expect, it } from "vitest";
import { webhookUrl } from "../../src/config/index.js";

describe("webhookUrl (NOTIFICATION_URL, LIFECYCLE_NOTIFICATION_URL)", () => {
  it.each([
    { value: "https://app.azurewebsites.net/api/notifications", environment: "azure", ok: true },
    { value: "https://app.azurewebsites.net/api/notifications", environment: "local", ok: true },
    { value: "http://127.0.0.1:7071/api/notifications", environment: "local", ok: true },
    { value: "http://localhost:7071/api/notifications", environment: "local", ok: true },
    { value: "http://127.0.0.1:7071/api/notifications", environment: "azure", ok: false },
    { value: "http://example.com/api/notifications", environment: "local", ok: false },
    { value: "ftp://127.0.0.1/x", environment: "local", ok: false },
    { value: "not a url", environment: "local", ok: false },
  ] as const)("$value in $environment → ok: $ok", ({ value, environment, ok }) => {
    const problem = webhookUrl(value, { environment });
    expect(problem === undefined).toBe(ok);
  });
});
