// The static-site rules: what a request path names, encoding negotiation, ETag matching, and the
// admin center's security headers.
import { describe, expect, it } from "vitest";
import { loadAppSettings } from "../../src/config/index.js";
import { adminCenterSecurityHeaders, signInConfig } from "../../src/host/admin-center.js";
import { chooseEncoding, matchesEtag, parseSitePath, strongEtag } from "../../src/host/static-files.js";

describe("parseSitePath", () => {
  it.each([
    { raw: "", expected: { kind: "page" } },
    { raw: "/", expected: { kind: "page" } },
    { raw: "/settings", expected: { kind: "page" } },
    { raw: "/mailboxes/abc%40contoso.com", expected: { kind: "page" } },
    { raw: "/activities/report.v2", expected: { kind: "page" } },
    { raw: "/index.html", expected: { kind: "file", key: "index.html" } },
    { raw: "/assets/index-C9xpFMSA.js", expected: { kind: "file", key: "assets/index-C9xpFMSA.js" } },
    { raw: "//assets//a.css", expected: { kind: "file", key: "assets/a.css" } },
    { raw: "/caf%C3%A9.svg", expected: { kind: "file", key: "café.svg" } },
  ])("$raw → $expected", ({ raw, expected }) => {
    expect(parseSitePath(raw)).toEqual(expected);
  });

  it.each([
    { raw: "/..", reason: /dot segments/ },
    { raw: "/%2e%2e/host.json", reason: /dot segments/ },
    { raw: "/assets/.", reason: /dot segments/ },
    { raw: "/..%2f..%2fhost.json", reason: /slash/ },
    { raw: "/assets%2findex.js", reason: /slash/ },
    { raw: "/a%5c..%5chost.json", reason: /backslash/ },
    { raw: "/a\\b.js", reason: /backslash/ },
    { raw: "/index.html%00.js", reason: /control/ },
    { raw: "/%E0%A4%A", reason: /not a valid percent-encoded/ },
    { raw: "/%zz.js", reason: /not a valid percent-encoded/ },
    { raw: `/${"a".repeat(1100)}`, reason: /longer than/ },
  ])("$raw is refused ($reason)", ({ raw, reason }) => {
    const parsed = parseSitePath(raw);
    expect(parsed.kind).toBe("bad");
    expect(parsed.kind === "bad" && parsed.reason).toMatch(reason);
  });
});

describe("chooseEncoding", () => {
  const both = { br: Buffer.from("b"), gzip: Buffer.from("g") };
  it.each([
    { accept: null, file: both, expected: "identity" },
    { accept: "", file: both, expected: "identity" },
    { accept: "gzip, deflate, br, zstd", file: both, expected: "br" },
    { accept: "gzip", file: both, expected: "gzip" },
    { accept: "br;q=0, gzip", file: both, expected: "gzip" },
    { accept: "BR;Q=0.5", file: both, expected: "br" },
    { accept: "*", file: both, expected: "br" },
    { accept: "*;q=0", file: both, expected: "identity" },
    { accept: "gzip, br", file: {}, expected: "identity" },
    { accept: "br", file: { gzip: both.gzip }, expected: "identity" },
  ])("$accept with $file.br/$file.gzip → $expected", ({ accept, file, expected }) => {
    expect(chooseEncoding(accept, file)).toBe(expected);
  });
});

describe("matchesEtag", () => {
  it.each([
    { ifNoneMatch: null, etag: '"a"', expected: false },
    { ifNoneMatch: '"a"', etag: '"a"', expected: true },
    { ifNoneMatch: 'W/"a"', etag: '"a"', expected: true },
    { ifNoneMatch: '"b", "a"', etag: '"a"', expected: true },
    { ifNoneMatch: '"b"', etag: '"a"', expected: false },
    { ifNoneMatch: "*", etag: '"a"', expected: true },
    { ifNoneMatch: '"a-br"', etag: '"a"', expected: false },
  ])("If-None-Match $ifNoneMatch vs $etag → $expected", ({ ifNoneMatch, etag, expected }) => {
    expect(matchesEtag(ifNoneMatch, etag)).toBe(expected);
  });

  it("strong ETags follow the content", () => {
    expect(strongEtag(Buffer.from("x"))).toBe(strongEtag(Buffer.from("x")));
    expect(strongEtag(Buffer.from("x"))).not.toBe(strongEtag(Buffer.from("y")));
    expect(strongEtag(Buffer.from("x"))).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
  });
});

describe("admin center security headers", () => {
  const headers = adminCenterSecurityHeaders({ authorityOrigins: ["https://login.microsoftonline.com"] });
  const directives = new Map(
    (headers["content-security-policy"] ?? "").split(";").map((d) => {
      const [name = "", ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );

  it.each([
    { directive: "default-src", values: ["'none'"] },
    { directive: "script-src", values: ["'self'"] },
    { directive: "style-src", values: ["'self'"] },
    { directive: "connect-src", values: ["'self'", "https://login.microsoftonline.com"] },
    { directive: "frame-ancestors", values: ["'none'"] },
    { directive: "base-uri", values: ["'none'"] },
    { directive: "object-src", values: ["'none'"] },
  ])("CSP $directive is exactly $values", ({ directive, values }) => {
    expect(directives.get(directive)).toEqual(values);
  });

  it("allows no inline or evaluated code anywhere", () => {
    expect(headers["content-security-policy"]).not.toMatch(/unsafe-|data: .*script|\*/);
  });

  it.each([
    { name: "x-content-type-options", value: "nosniff" },
    { name: "referrer-policy", value: "no-referrer" },
    { name: "x-frame-options", value: "DENY" },
  ])("$name: $value", ({ name, value }) => {
    expect(headers[name]).toBe(value);
  });

});

describe("admin center sign-in configuration", () => {
  const TENANT = "11111111-2222-4333-8444-555555555555";
  const CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  it.each([
    { name: "no client id: no sign-in", env: { API_AUDIENCE: "api://tracker", GRAPH_TENANT_ID: TENANT }, expected: null },
    {
      name: "client id: the API's authority, tenant and default scope",
      env: { ADMIN_CENTER_CLIENT_ID: CLIENT, API_AUDIENCE: "api://tracker, " + CLIENT, GRAPH_TENANT_ID: TENANT },
      expected: { authority: `https://login.microsoftonline.com/${TENANT}`, clientId: CLIENT, scopes: ["api://tracker/.default"] },
    },
    {
      name: "an explicit scope, tenant and local authority",
      env: {
        ADMIN_CENTER_CLIENT_ID: CLIENT,
        ADMIN_CENTER_API_SCOPE: "api://tracker/user_impersonation",
        API_AUDIENCE: "api://tracker",
        API_TENANT_ID: TENANT,
        API_AUTHORITY_HOST: "https://127.0.0.1:8443/",
      },
      expected: { authority: `https://127.0.0.1:8443/${TENANT}`, clientId: CLIENT, scopes: ["api://tracker/user_impersonation"] },
    },
    { name: "client id without an audience or scope: no sign-in", env: { ADMIN_CENTER_CLIENT_ID: CLIENT, GRAPH_TENANT_ID: TENANT }, expected: null },
  ])("$name", ({ env, expected }) => {
    expect(signInConfig(loadAppSettings(env, { need: ["api"], environment: "local" }).api)).toEqual(expected);
  });
});
