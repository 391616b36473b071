// The admin center's HTTP side: the built single-page app (dist/admin-center, made by
// `npm run build`) with its security headers, and config.json, which tells the page where to
// sign in. docs/admin-center.md explains the Content-Security-Policy and the caching.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { ADMIN_CENTER_BUILD_DIR, ADMIN_CENTER_SEGMENT, type AdminCenterConfig } from "./admin-center-config.js";
import { loadAppSettings, type ApiSettings, type AppSettingsEnv } from "../config/index.js";
import {
  chooseEncoding,
  IMMUTABLE_CACHE,
  loadSiteFiles,
  matchesEtag,
  parseSitePath,
  REVALIDATE_CACHE,
  type SiteFile,
  strongEtag,
  type SiteFiles,
} from "./static-files.js";

export { ADMIN_CENTER_BUILD_DIR, ADMIN_CENTER_SEGMENT };
const ASSETS_DIR = "assets";

export interface AdminCenterOptions {
  /** The built site; default <app root>/dist/admin-center. */
  root?: string;
  env: AppSettingsEnv;
  log?: (line: string) => void;
}

export interface AdminCenter {
  handle(request: Pick<HttpRequest, "method" | "url" | "headers">): Promise<HttpResponseInit>;
}

export function createAdminCenter(options: AdminCenterOptions): AdminCenter {
  const root = options.root ?? path.join(findAppRoot(), ADMIN_CENTER_BUILD_DIR);
  // Read on the first request, not at import: the local host sets the environment before it runs.
  let prepared: { securityHeaders: Record<string, string>; configBody: Buffer } | undefined;
  const prepare = () => {
    const { api } = loadAppSettings(options.env, { need: ["api"] });
    const config: AdminCenterConfig = { apiBase: "/api", signIn: signInConfig(api) };
    return {
      securityHeaders: adminCenterSecurityHeaders({ authorityOrigins: [new URL(api.authorityHost).origin] }),
      configBody: Buffer.from(JSON.stringify(config)),
    };
  };
  let files: Promise<SiteFiles | undefined> | undefined;

  return {
    async handle(request) {
      prepared ??= prepare();
      const { securityHeaders, configBody } = prepared;
      const url = new URL(request.url);
      const https = url.protocol === "https:";
      const headers = { ...securityHeaders, ...(https && { "strict-transport-security": "max-age=31536000" }) };
      const rawPath = pathBelowMount(url.pathname);
      if (rawPath === undefined) return problem(404, "Not Found", "no such page in the admin center", headers);
      const parsed = parseSitePath(rawPath);
      if (parsed.kind === "bad") return problem(400, "Bad Request", `bad path: ${parsed.reason}`, headers);
      if (parsed.kind === "file" && parsed.key === "config.json") {
        return respond(request, { body: configBody, contentType: "application/json; charset=utf-8", etag: strongEtag(configBody), immutable: false }, headers);
      }
      files ??= loadSiteFiles({ root, immutableDir: ASSETS_DIR }).catch((error: unknown) => {
        files = undefined; // a later request tries again
        throw error;
      });
      const site = await files;
      if (site === undefined) {
        options.log?.(`admin center: ${root} does not exist; run \`npm run build\` before deploying`);
        return problem(404, "Not Found", "the admin center is not part of this deployment (it was not built)", headers);
      }
      if (parsed.kind === "page" && !url.pathname.endsWith("/") && rawPath === "") {
        // …/admin-center → …/admin-center/, so the page has one address (the sign-in redirect URI).
        return { status: 308, headers: { ...headers, location: `${url.pathname}/${url.search}` } };
      }
      const file = parsed.kind === "page" ? site.get("index.html") : site.get(parsed.key);
      if (file === undefined) return problem(404, "Not Found", "no such file in the admin center", headers);
      return respond(request, file, headers);
    },
  };
}

/** The raw (still encoded) path after `/…/admin-center`, or undefined when the path is not below it. */
function pathBelowMount(pathname: string): string | undefined {
  const match = new RegExp(`^/(?:[^/]+/)?${ADMIN_CENTER_SEGMENT}(?=/|$)`, "i").exec(pathname);
  return match ? pathname.slice(match[0].length) : undefined;
}

function respond(request: Pick<HttpRequest, "method" | "headers">, file: SiteFile, security: Record<string, string>): HttpResponseInit {
  const encoding = chooseEncoding(request.headers.get("accept-encoding"), file);
  const etag = encoding === "identity" ? file.etag : `${file.etag.slice(0, -1)}-${encoding}"`;
  const headers: Record<string, string> = {
    ...security,
    "content-type": file.contentType,
    "cache-control": file.immutable ? IMMUTABLE_CACHE : REVALIDATE_CACHE,
    etag,
    ...((file.br ?? file.gzip) && { vary: "Accept-Encoding" }),
  };
  if (matchesEtag(request.headers.get("if-none-match"), etag)) return { status: 304, headers };
  const body = encoding === "br" ? file.br : encoding === "gzip" ? file.gzip : file.body;
  if (encoding !== "identity") headers["content-encoding"] = encoding;
  headers["content-length"] = String(body?.length ?? 0);
  return { status: 200, headers, ...(request.method.toUpperCase() !== "HEAD" && { body }) };
}

function problem(status: number, title: string, detail: string, security: Record<string, string>): HttpResponseInit {
  return {
    status,
    headers: { ...security, "content-type": "application/problem+json", "cache-control": "no-store" },
    body: JSON.stringify({ type: "about:blank", title, status, detail, field: "path" }),
  };
}

/**
 * The security headers of every admin center response. No inline script or style anywhere; the
 * page talks only to its own origin (the API) and to the identity authority (MSAL's token calls),
 * and may frame only the authority (MSAL's silent renewal). Nobody may frame the page.
 */
export function adminCenterSecurityHeaders(options: { authorityOrigins: readonly string[] }): Record<string, string> {
  const authorities = options.authorityOrigins.join(" ");
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${authorities}`,
    `frame-src ${authorities}`,
    "manifest-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    "content-security-policy": csp,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
  };
}

/**
 * What the page needs to sign in with MSAL: the admin API's authority and tenant, the admin
 * center's own client id and the API scope (docs/admin-center.md). Null (no sign-in offered)
 * while ADMIN_CENTER_CLIENT_ID is not set.
 */
export function signInConfig(api: ApiSettings): AdminCenterConfig["signIn"] {
  if (api.adminCenter === undefined || api.tenantId === undefined) return null;
  return { authority: `${api.authorityHost.replace(/\/+$/, "")}/${api.tenantId}`, clientId: api.adminCenter.clientId, scopes: [api.adminCenter.scope] };
}

/** The directory holding host.json: the repository locally, wwwroot in Azure (functions run from dist/ there). */
export function findAppRoot(start = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "host.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no host.json above ${start}`);
  }
}
