// The simulator's interactive Entra ID sign-in, for the admin center (a browser app using MSAL):
// the authorize endpoint shows a small page where the developer picks a user and app roles; it
// redirects back with an authorization code, which the token endpoint redeems only with the PKCE
// verifier (S256), returning an access token for the API signed by the simulator's identity key
// (identity.ts, so the API validates it as any other), an ID token and a refresh token.
// Only loopback redirect URIs are accepted. Local code only.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

export interface BrowserTokenRequest {
  audience: string;
  roles: readonly string[];
  user: string;
  name?: string;
}

export interface BrowserSignInOptions {
  tenantId: string;
  /** https://127.0.0.1:PORT, known once the server listens. */
  authority(): string;
  /** Signs an access token as the simulator's identity does (the API's JWKS verifies it). */
  issueAccessToken(request: BrowserTokenRequest): Promise<string>;
  objectIdFor(address: string): string;
  /** The app roles the sign-in page offers. */
  roles: readonly string[];
  /** Addresses the page suggests (the simulator's mailboxes). */
  knownUsers?: () => readonly string[];
  codeLifetimeSeconds?: number;
  tokenLifetimeSeconds?: number;
}

export interface RawRequest {
  method: string;
  url: URL;
  /** Lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface BrowserSignIn {
  /** Answers the authorize, logout and browser token requests; undefined for anything else. */
  handle(request: RawRequest): Promise<RawResponse | undefined>;
  /** CORS headers for a browser calling the identity endpoints (metadata, keys, token); undefined otherwise. */
  corsHeaders(request: Pick<RawRequest, "method" | "url" | "headers">): Record<string, string> | undefined;
  /** How many codes were redeemed (tests). */
  stats(): { codesIssued: number; codesRedeemed: number };
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  nonce: string | undefined;
  user: string;
  name: string;
  roles: string[];
  expiresAt: number;
}

interface Session {
  clientId: string;
  user: string;
  name: string;
  roles: string[];
}

const OIDC_SCOPES = new Set(["openid", "profile", "offline_access", "email"]);
/** Graph's resource id: the audience Entra gives an access token when only OIDC scopes are asked for. */
const GRAPH_AUDIENCE = "00000003-0000-0000-c000-000000000000";
const IDENTITY_PATH = /^\/([^/]+)\/(?:oauth2\/v2\.0\/token|v2\.0\/\.well-known\/openid-configuration|discovery(?:\/v2\.0)?\/keys)$/i;

export function createBrowserSignIn(options: BrowserSignInOptions): BrowserSignIn {
  const codes = new Map<string, PendingCode>();
  const sessions = new Map<string, Session>();
  const counters = { codesIssued: 0, codesRedeemed: 0 };
  // ID tokens are read, not verified, by MSAL; they get a key of their own.
  const idTokenKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const codeLifetimeMs = (options.codeLifetimeSeconds ?? 300) * 1000;
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3_600;

  const paths = (tenant: string) => ({
    authorize: new RegExp(`^/${escape(tenant)}/oauth2/v2\\.0/authorize$`, "i"),
    token: new RegExp(`^/${escape(tenant)}/oauth2/v2\\.0/token$`, "i"),
    logout: new RegExp(`^/${escape(tenant)}/oauth2/v2\\.0/logout$`, "i"),
  });
  const tenantPaths = [paths(options.tenantId), paths("organizations"), paths("common")];

  async function handle(request: RawRequest): Promise<RawResponse | undefined> {
    const path = request.url.pathname;
    if (request.method === "OPTIONS" && IDENTITY_PATH.test(path)) {
      return { status: 204, headers: corsHeaders(request) ?? {}, body: "" };
    }
    if (tenantPaths.some((p) => p.authorize.test(path))) {
      if (request.method === "GET") return authorizePage(request.url.searchParams, path);
      if (request.method === "POST") return authorizeSubmit(new URLSearchParams(request.body));
      return undefined;
    }
    if (tenantPaths.some((p) => p.logout.test(path)) && request.method === "GET") {
      const target = request.url.searchParams.get("post_logout_redirect_uri");
      if (target && isLoopbackUri(target)) return { status: 302, headers: { location: target }, body: "" };
      return htmlPage(200, "Signed out", "<p>You are signed out of the simulator.</p>", "");
    }
    if (tenantPaths.some((p) => p.token.test(path)) && request.method === "POST") {
      const form = new URLSearchParams(request.body);
      const grant = form.get("grant_type");
      // client_credentials (the app's own Graph token) stays with the simulator's token endpoint.
      if (grant !== "authorization_code" && grant !== "refresh_token") return undefined;
      const answer = grant === "authorization_code" ? await redeemCode(form) : await refresh(form);
      return { ...answer, headers: { ...answer.headers, ...(corsHeaders(request) ?? {}) } };
    }
    return undefined;
  }

  /** The request's parameters, checked as Entra does; an unusable redirect URI is never redirected to. */
  function readAuthorizeRequest(params: URLSearchParams):
    | { ok: true; request: AuthorizeRequest }
    | { ok: false; page: RawResponse }
    | { ok: false; redirect: RawResponse } {
    const redirectUri = params.get("redirect_uri") ?? "";
    const clientId = params.get("client_id") ?? "";
    if (!clientId) return { ok: false, page: errorPage("The request must contain client_id.") };
    if (!isLoopbackUri(redirectUri)) {
      return { ok: false, page: errorPage(`The redirect URI "${redirectUri}" is not a loopback address (http://127.0.0.1 or http://localhost): the simulator redirects only there.`) };
    }
    const responseMode = params.get("response_mode") ?? "query";
    const state = params.get("state") ?? undefined;
    const fail = (error: string, description: string) => ({
      ok: false as const,
      redirect: redirectWith(redirectUri, responseMode, { error, error_description: description, ...(state !== undefined && { state }) }),
    });
    if (responseMode !== "query" && responseMode !== "fragment") return fail("invalid_request", "response_mode must be query or fragment.");
    if (params.get("response_type") !== "code") return fail("unsupported_response_type", "Only response_type=code is supported.");
    const codeChallenge = params.get("code_challenge") ?? "";
    if (params.get("code_challenge_method") !== "S256" || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
      return fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
    }
    const scope = params.get("scope") ?? "";
    if (!scope.split(" ").includes("openid")) return fail("invalid_scope", "The scope must include openid.");
    return {
      ok: true,
      request: { clientId, redirectUri, responseMode, state, codeChallenge, scope, nonce: params.get("nonce") ?? undefined, loginHint: params.get("login_hint") ?? "" },
    };
  }

  function authorizePage(params: URLSearchParams, path: string): RawResponse {
    const read = readAuthorizeRequest(params);
    if (!read.ok) return "page" in read ? read.page : read.redirect;
    const users = [...new Set(options.knownUsers?.() ?? [])].sort();
    const suggested = read.request.loginHint || `admin@${options.tenantId}.example`;
    const hidden = [...params.entries()]
      .filter(([name]) => name !== "user" && name !== "name" && name !== "role")
      .map(([name, value]) => `<input type="hidden" name="${attr(name)}" value="${attr(value)}">`)
      .join("\n");
    const roles = options.roles
      .map(
        (role, index) =>
          `<div class="role"><input type="checkbox" id="role-${index}" name="role" value="${attr(role)}"><label for="role-${index}">${text(role)}</label></div>`,
      )
      .join("\n");
    const body = `
<p>This is the Graph simulator standing in for Entra ID. Choose who you are and which app roles your token carries.</p>
<form method="post" action="${attr(path)}">
${hidden}
<label for="user">User (email address)</label>
<input id="user" name="user" type="email" required value="${attr(suggested)}" list="known-users" autocomplete="off">
<datalist id="known-users">${users.map((u) => `<option value="${attr(u)}"></option>`).join("")}</datalist>
<label for="name">Display name (optional)</label>
<input id="name" name="name" type="text" value="">
<fieldset><legend>App roles</legend>
${roles}
<p class="hint">No role: a user who may act only on the mailboxes they own.</p>
</fieldset>
<button type="submit">Sign in</button>
</form>`;
    return htmlPage(200, "Sign in (Graph simulator)", body, new URL(read.request.redirectUri).origin);
  }

  function authorizeSubmit(form: URLSearchParams): RawResponse {
    const read = readAuthorizeRequest(form);
    if (!read.ok) return "page" in read ? read.page : read.redirect;
    const { request } = read;
    const user = (form.get("user") ?? "").trim().toLowerCase();
    if (!/^[^\s@]+@[^\s@]+$/.test(user)) return errorPage(`"${user}" is not an email address: go back and enter one.`);
    const offered = new Set(options.roles);
    const roles = form.getAll("role").filter((role) => offered.has(role));
    const code = randomBytes(32).toString("base64url");
    codes.set(code, {
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: request.scope,
      nonce: request.nonce,
      user,
      name: (form.get("name") ?? "").trim() || user.split("@")[0] || user,
      roles,
      expiresAt: Date.now() + codeLifetimeMs,
    });
    counters.codesIssued += 1;
    return redirectWith(request.redirectUri, request.responseMode, {
      code,
      client_info: clientInfo(user),
      ...(request.state !== undefined && { state: request.state }),
    });
  }

  async function redeemCode(form: URLSearchParams): Promise<RawResponse> {
    const code = form.get("code") ?? "";
    const pending = codes.get(code);
    // A code works once, whatever the outcome.
    codes.delete(code);
    if (!pending || pending.expiresAt <= Date.now()) return tokenError(400, "invalid_grant", "AADSTS70008: The provided authorization code is invalid or has expired.");
    if (form.get("client_id") !== pending.clientId) return tokenError(400, "invalid_grant", "AADSTS70000: The code was issued to another client.");
    if (form.get("redirect_uri") !== pending.redirectUri) return tokenError(400, "invalid_grant", "AADSTS50148: The redirect_uri does not match the one the code was issued for.");
    const verifier = form.get("code_verifier") ?? "";
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || createHash("sha256").update(verifier).digest("base64url") !== pending.codeChallenge) {
      return tokenError(400, "invalid_grant", "AADSTS501481: The code_verifier does not match the code_challenge supplied in the authorization request.");
    }
    counters.codesRedeemed += 1;
    const session: Session = { clientId: pending.clientId, user: pending.user, name: pending.name, roles: pending.roles };
    return tokens(session, form.get("scope") || pending.scope, pending.nonce);
  }

  async function refresh(form: URLSearchParams): Promise<RawResponse> {
    const presented = form.get("refresh_token") ?? "";
    const session = sessions.get(presented);
    if (!session || form.get("client_id") !== session.clientId) return tokenError(400, "invalid_grant", "AADSTS9002313: Invalid refresh token.");
    sessions.delete(presented); // rotated, as Entra does for SPAs
    return tokens(session, form.get("scope") ?? "openid", undefined);
  }

  async function tokens(session: Session, scope: string, nonce: string | undefined): Promise<RawResponse> {
    const scopes = scope.split(" ").filter(Boolean);
    const resource = scopes.find((s) => !OIDC_SCOPES.has(s.toLowerCase()));
    const audience = resource ? audienceOfScope(resource) : GRAPH_AUDIENCE;
    const accessToken = await options.issueAccessToken({ audience, roles: session.roles, user: session.user, name: session.name });
    const refreshToken = randomBytes(32).toString("base64url");
    sessions.set(refreshToken, session);
    const body = {
      token_type: "Bearer",
      scope: resource ? scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase())).join(" ") : "openid profile",
      expires_in: tokenLifetime,
      ext_expires_in: tokenLifetime,
      access_token: accessToken,
      refresh_token: refreshToken,
      id_token: idToken(session, nonce),
      client_info: clientInfo(session.user),
    };
    return { status: 200, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: JSON.stringify(body) };
  }

  function idToken(session: Session, nonce: string | undefined): string {
    const now = Math.floor(Date.now() / 1000);
    const oid = options.objectIdFor(session.user);
    const claims = {
      ver: "2.0",
      iss: `${options.authority()}/${options.tenantId}/v2.0`,
      aud: session.clientId,
      sub: oid,
      oid,
      tid: options.tenantId,
      name: session.name,
      preferred_username: session.user,
      iat: now,
      nbf: now,
      exp: now + tokenLifetime,
      ...(nonce !== undefined && { nonce }),
    };
    return signJwt(claims, idTokenKey);
  }

  function clientInfo(user: string): string {
    return Buffer.from(JSON.stringify({ uid: options.objectIdFor(user), utid: options.tenantId })).toString("base64url");
  }

  function corsHeaders(request: Pick<RawRequest, "method" | "url" | "headers">): Record<string, string> | undefined {
    const origin = first(request.headers.origin);
    if (!origin || !isLoopbackUri(origin) || !IDENTITY_PATH.test(request.url.pathname)) return undefined;
    return {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": first(request.headers["access-control-request-headers"]) ?? "content-type",
      "access-control-max-age": "600",
      vary: "Origin",
    };
  }

  return { handle, corsHeaders, stats: () => ({ ...counters }) };
}

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  responseMode: string;
  state: string | undefined;
  codeChallenge: string;
  scope: string;
  nonce: string | undefined;
  loginHint: string;
}

/** api://app/.default → api://app; GUID/user_impersonation → GUID (what Entra puts in `aud`). */
export function audienceOfScope(scope: string): string {
  const afterScheme = scope.indexOf("://") >= 0 ? scope.indexOf("://") + 3 : 0;
  const slash = scope.lastIndexOf("/");
  return slash >= afterScheme && slash > 0 ? scope.slice(0, slash) : scope;
}

/** http(s) on 127.0.0.1, [::1] or localhost, any port: the only places the simulator sends a browser. */
export function isLoopbackUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "http:" || url.protocol === "https:") && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) && url.username === "" && url.password === "";
}

function redirectWith(redirectUri: string, responseMode: string, values: Record<string, string>): RawResponse {
  const url = new URL(redirectUri);
  const encoded = new URLSearchParams(values).toString();
  if (responseMode === "fragment") url.hash = encoded;
  else for (const [name, value] of Object.entries(values)) url.searchParams.set(name, value);
  return { status: 302, headers: { location: url.toString(), "cache-control": "no-store" }, body: "" };
}

function tokenError(status: number, error: string, description: string): RawResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    body: JSON.stringify({ error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)] }),
  };
}

function errorPage(message: string): RawResponse {
  return htmlPage(400, "Sign-in error (Graph simulator)", `<p class="error" role="alert">${text(message)}</p>`, "");
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}
h1{font-size:1.4rem}label{display:block;margin:.9rem 0 .25rem;font-weight:600}.role label{display:inline;font-weight:400;margin-left:.4rem}
input[type=email],input[type=text]{width:100%;padding:.45rem;font:inherit;border:1px solid #6b7480;border-radius:4px}
fieldset{margin-top:1rem;border:1px solid #c9d1db;border-radius:4px}.role{margin:.3rem 0}.hint{color:#4a5360;font-size:.9rem}
button{margin-top:1.2rem;font:inherit;padding:.5rem 1.2rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
:focus-visible{outline:3px solid #c4410c;outline-offset:2px}.error{color:#a4161a}`;

function htmlPage(status: number, title: string, body: string, formTarget: string): RawResponse {
  const nonce = randomBytes(16).toString("base64");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(title)}</title><style nonce="${nonce}">${STYLE}</style></head><body><main><h1>${text(title)}</h1>${body}</main></body></html>`;
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      // The form posts here and is then redirected to the app: both must be allowed targets.
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${formTarget}; base-uri 'none'; frame-ancestors 'none'`,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
    body: html,
  };
}

function signJwt(claims: Record<string, unknown>, key: KeyObject): string {
  const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "sim-id-token" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = sign("sha256", Buffer.from(`${header}.${payload}`), key).toString("base64url");
  return `${header}.${payload}.${signature}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function text(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
