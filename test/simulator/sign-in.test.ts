// The simulator's browser sign-in (authorize page → code → token with PKCE), through its handler:
// which redirect URIs it accepts, PKCE verification, single-use codes, refresh, CORS.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { audienceOfScope, createBrowserSignIn, isLoopbackUri, type BrowserTokenRequest, type RawRequest } from "../../local/graph-simulator/sign-in.js";

const TENANT = "11111111-2222-4333-8444-555555555555";
const AUTHORITY = "https://127.0.0.1:9443";
const REDIRECT = "http://127.0.0.1:7071/api/admin-center/";
const CLIENT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

function setup() {
  const issued: BrowserTokenRequest[] = [];
  const signIn = createBrowserSignIn({
    tenantId: TENANT,
    authority: () => AUTHORITY,
    issueAccessToken: async (request) => {
      issued.push(request);
      return `access-token-${issued.length}`;
    },
    objectIdFor: (address) => `oid-of-${address}`,
    roles: ["Tracking.Read", "Tracking.Admin", "Tracking.Approve"],
    knownUsers: () => ["ada@contoso.com"],
  });
  return { signIn, issued };
}

function request(method: string, pathAndQuery: string, body = "", headers: RawRequest["headers"] = {}): RawRequest {
  return { method, url: new URL(pathAndQuery, AUTHORITY), headers, body };
}

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

type Overrides = Record<string, string | undefined>;
const defined = (overrides: Overrides) => Object.fromEntries(Object.entries(overrides).filter((e): e is [string, string] => e[1] !== undefined));

function authorizeParams(challenge: string, overrides: Overrides = {}) {
  return new URLSearchParams({
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    response_type: "code",
    response_mode: "fragment",
    scope: "api://tracker/.default openid profile offline_access",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s-1",
    nonce: "n-1",
    ...defined(overrides),
  });
}

/** Submits the sign-in form as the page would, returning the code from the redirect. */
async function signInAs(signIn: ReturnType<typeof setup>["signIn"], challenge: string, form: Record<string, string | string[]>) {
  const body = authorizeParams(challenge);
  for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
  const answer = await signIn.handle(request("POST", `/${TENANT}/oauth2/v2.0/authorize`, body.toString()));
  expect(answer?.status).toBe(302);
  const location = new URL(answer?.headers.location ?? "");
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
  return new URLSearchParams(location.hash.slice(1));
}

function redeem(signIn: ReturnType<typeof setup>["signIn"], code: string, verifier: string, overrides: Overrides = {}) {
  const body = new URLSearchParams({ grant_type: "authorization_code", client_id: CLIENT, redirect_uri: REDIRECT, code, code_verifier: verifier, scope: "api://tracker/.default openid profile offline_access", ...defined(overrides) });
  return signIn.handle(request("POST", `/${TENANT}/oauth2/v2.0/token`, body.toString(), { origin: "http://127.0.0.1:7071" }));
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<string, unknown>;

describe("isLoopbackUri / audienceOfScope", () => {
  it.each([
    { uri: "http://127.0.0.1:7071/api/admin-center/", ok: true },
    { uri: "http://localhost:5173/", ok: true },
    { uri: "https://[::1]:8443/x", ok: true },
    { uri: "https://contoso.com/", ok: false },
    { uri: "http://127.0.0.1.evil.example/", ok: false },
    { uri: "http://user:pw@127.0.0.1/", ok: false },
    { uri: "javascript:alert(1)", ok: false },
    { uri: "not a url", ok: false },
  ])("$uri → $ok", ({ uri, ok }) => {
    expect(isLoopbackUri(uri)).toBe(ok);
  });

  it.each([
    { scope: "api://tracker/.default", audience: "api://tracker" },
    { scope: "api://tracker/user_impersonation", audience: "api://tracker" },
    { scope: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee/.default", audience: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" },
    { scope: "api://tracker", audience: "api://tracker" },
  ])("$scope → aud $audience", ({ scope, audience }) => {
    expect(audienceOfScope(scope)).toBe(audience);
  });
});

describe("authorize page", () => {
  it("shows a form with the user, the roles and the request carried along, under its own CSP", async () => {
    const { signIn } = setup();
    const answer = await signIn.handle(request("GET", `/${TENANT}/oauth2/v2.0/authorize?${authorizeParams(pkce().challenge)}`));
    expect(answer?.status).toBe(200);
    expect(answer?.headers["content-type"]).toMatch(/^text\/html/);
    expect(answer?.headers["content-security-policy"]).toMatch(/default-src 'none'; style-src 'nonce-[^']+'; form-action 'self' http:\/\/127\.0\.0\.1:7071;/);
    for (const role of ["Tracking.Read", "Tracking.Admin", "Tracking.Approve"]) expect(answer?.body).toContain(`value="${role}"`);
    expect(answer?.body).toContain('<option value="ada@contoso.com">');
    expect(answer?.body).toContain(`name="code_challenge" value="`);
    expect(answer?.body).not.toMatch(/<script/);
  });

  it.each([
    { name: "a redirect URI that is not loopback", overrides: { redirect_uri: "https://evil.example/" }, status: 400 },
    { name: "no client id", overrides: { client_id: "" }, status: 400 },
  ])("refuses $name with a page, never redirecting", async ({ overrides, status }) => {
    const { signIn } = setup();
    const answer = await signIn.handle(request("GET", `/${TENANT}/oauth2/v2.0/authorize?${authorizeParams(pkce().challenge, overrides)}`));
    expect(answer?.status).toBe(status);
    expect(answer?.headers.location).toBeUndefined();
  });

  it.each([
    { overrides: { code_challenge_method: "plain" }, error: "invalid_request" },
    { overrides: { code_challenge: "short" }, error: "invalid_request" },
    { overrides: { response_type: "token" }, error: "unsupported_response_type" },
    { overrides: { scope: "api://tracker/.default" }, error: "invalid_scope" },
  ])("redirects back with $error for $overrides", async ({ overrides, error }) => {
    const { signIn } = setup();
    const answer = await signIn.handle(request("GET", `/${TENANT}/oauth2/v2.0/authorize?${authorizeParams(pkce().challenge, overrides)}`));
    expect(answer?.status).toBe(302);
    const fragment = new URLSearchParams(new URL(answer?.headers.location ?? "").hash.slice(1));
    expect(fragment.get("error")).toBe(error);
    expect(fragment.get("state")).toBe("s-1");
  });
});

describe("code and token", () => {
  it("redeems a code once with the right verifier: access token with the chosen roles, ID token with the nonce", async () => {
    const { signIn, issued } = setup();
    const { verifier, challenge } = pkce();
    const returned = await signInAs(signIn, challenge, { user: "Ada@Contoso.com", role: ["Tracking.Read", "Tracking.Approve", "Not.A.Role"] });
    expect(returned.get("state")).toBe("s-1");
    const answer = await redeem(signIn, returned.get("code") ?? "", verifier);
    expect(answer?.status).toBe(200);
    expect(answer?.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:7071");
    const body = JSON.parse(answer?.body ?? "{}") as Record<string, string>;
    expect(body.access_token).toBe("access-token-1");
    expect(issued).toEqual([{ audience: "api://tracker", roles: ["Tracking.Read", "Tracking.Approve"], user: "ada@contoso.com", name: "ada" }]);
    expect(claimsOf(body.id_token ?? "")).toMatchObject({ aud: CLIENT, nonce: "n-1", tid: TENANT, oid: "oid-of-ada@contoso.com", iss: `${AUTHORITY}/${TENANT}/v2.0` });
    expect(JSON.parse(Buffer.from(body.client_info ?? "", "base64url").toString())).toEqual({ uid: "oid-of-ada@contoso.com", utid: TENANT });

    const again = await redeem(signIn, returned.get("code") ?? "", verifier);
    expect(again?.status).toBe(400);
    expect(JSON.parse(again?.body ?? "{}")).toMatchObject({ error: "invalid_grant" });
  });

  it.each([
    { name: "a wrong verifier", overrides: { code_verifier: randomBytes(32).toString("base64url") }, message: /code_verifier/ },
    { name: "another client", overrides: { client_id: "other" }, message: /another client/ },
    { name: "another redirect URI", overrides: { redirect_uri: "http://127.0.0.1:1/" }, message: /redirect_uri/ },
  ])("refuses $name, and the code is spent", async ({ overrides, message }) => {
    const { signIn } = setup();
    const { verifier, challenge } = pkce();
    const code = (await signInAs(signIn, challenge, { user: "ada@contoso.com" })).get("code") ?? "";
    const answer = await redeem(signIn, code, verifier, overrides);
    expect(answer?.status).toBe(400);
    expect(JSON.parse(answer?.body ?? "{}")).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(message) });
    expect((await redeem(signIn, code, verifier))?.status).toBe(400);
  });

  it("refuses a code it never issued", async () => {
    const { signIn } = setup();
    const answer = await redeem(signIn, "never-issued", pkce().verifier);
    expect(answer?.status).toBe(400);
    expect(JSON.parse(answer?.body ?? "{}")).toMatchObject({ error: "invalid_grant", error_description: expect.stringMatching(/invalid or has expired/) });
  });

  it("refreshes with a rotated refresh token, keeping user and roles", async () => {
    const { signIn, issued } = setup();
    const { verifier, challenge } = pkce();
    const code = (await signInAs(signIn, challenge, { user: "ada@contoso.com", role: "Tracking.Admin" })).get("code") ?? "";
    const first = JSON.parse((await redeem(signIn, code, verifier))?.body ?? "{}") as Record<string, string>;
    const refresh = (token: string) =>
      signIn.handle(request("POST", `/${TENANT}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: "refresh_token", client_id: CLIENT, refresh_token: token, scope: "api://tracker/.default openid" }).toString()));
    const second = await refresh(first.refresh_token ?? "");
    expect(second?.status).toBe(200);
    expect(issued.at(-1)).toMatchObject({ roles: ["Tracking.Admin"], user: "ada@contoso.com", audience: "api://tracker" });
    expect((await refresh(first.refresh_token ?? ""))?.status).toBe(400);
  });

  it("leaves client credentials to the simulator's token endpoint", async () => {
    const { signIn } = setup();
    const body = new URLSearchParams({ grant_type: "client_credentials", client_id: CLIENT, client_secret: "x", scope: "https://graph.microsoft.com/.default" });
    expect(await signIn.handle(request("POST", `/${TENANT}/oauth2/v2.0/token`, body.toString()))).toBeUndefined();
  });

  it.each([
    { origin: "http://127.0.0.1:7071", path: `/${TENANT}/v2.0/.well-known/openid-configuration`, cors: true },
    { origin: "http://127.0.0.1:7071", path: `/${TENANT}/discovery/v2.0/keys`, cors: true },
    { origin: "https://evil.example", path: `/${TENANT}/oauth2/v2.0/token`, cors: false },
    { origin: "http://127.0.0.1:7071", path: "/v1.0/users", cors: false },
    { origin: undefined, path: `/${TENANT}/oauth2/v2.0/token`, cors: false },
  ])("CORS for $origin on $path: $cors", ({ origin, path, cors }) => {
    const { signIn } = setup();
    const headers = signIn.corsHeaders({ method: "GET", url: new URL(path, AUTHORITY), headers: { origin } });
    expect(headers?.["access-control-allow-origin"]).toBe(cors ? origin : undefined);
  });
});
