// The simulator's Entra ID side for the admin API: an RS256 signing key, its JWKS and signed access
// tokens carrying the app roles asked for, so the API's real validation (src/api/auth.ts) runs
// unchanged locally and in tests. Local code only.
import { createHash, randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";

export interface ApiTokenRequest {
  /** The API's audience (its client id or App ID URI). */
  audience: string;
  roles?: readonly string[];
  /** The signed-in user's address; default admin@<tenant>.example. Its oid is derived from it. */
  user?: string;
  name?: string;
  /** "2.0" (default) or "1.0": the issuer follows, as Entra's does. */
  version?: "1.0" | "2.0";
  lifetimeSeconds?: number;
  /** Seconds since the epoch; default now. */
  issuedAt?: number;
  notBefore?: number;
  /** Another tenant's id in `tid` and the issuer (a token the API must refuse). */
  tenantId?: string;
}

export interface SimulatedIdentity {
  jwks: { keys: JWK[] };
  issueApiToken(request: ApiTokenRequest): Promise<string>;
  /**
   * A rich notification's validation token, as Graph's change-notification service gets it from
   * Entra: v1, issued for the tenant, addressed to the subscribing app, azp/appid = Graph's.
   */
  issueValidationToken(request: { audience: string; lifetimeSeconds?: number }): Promise<string>;
  /** A token signed by a key that is not in the JWKS (the API must refuse it). */
  issueForeignToken(request: ApiTokenRequest): Promise<string>;
  /** The stable object id the simulator gives a user address. */
  objectIdFor(address: string): string;
  /** Answers the identity endpoints; undefined for any other path. */
  handle(method: string, path: string, body: string): Promise<{ status: number; body: unknown } | undefined>;
}

/** A GUID derived from the address, so `--user` gives the same oid on every run. */
export function objectIdFor(address: string): string {
  const hex = createHash("sha256").update(`oid:${address.trim().toLowerCase()}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Microsoft Graph's change-notification publisher, as Entra names it in validation tokens. */
export const GRAPH_CHANGE_TRACKING_APP_ID = "0bf30f3b-4a52-48df-9a82-234910c4a086";

export async function createSimulatedIdentity(options: { tenantId: string; authority: () => string }): Promise<SimulatedIdentity> {
  const kid = `sim-${randomUUID().slice(0, 8)}`;
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const foreign = await generateKeyPair("RS256");
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: "sig", alg: "RS256" };

  async function sign(request: ApiTokenRequest, key: CryptoKey, keyId: string): Promise<string> {
    const tenantId = request.tenantId ?? options.tenantId;
    const version = request.version ?? "2.0";
    const user = (request.user ?? `admin@${options.tenantId}.example`).trim().toLowerCase();
    const now = request.issuedAt ?? Math.floor(Date.now() / 1000);
    const issuer = version === "2.0" ? `${options.authority()}/${tenantId}/v2.0` : `https://sts.windows.net/${tenantId}/`;
    const oid = objectIdFor(user);
    return new SignJWT({
      ver: version,
      tid: tenantId,
      oid,
      roles: [...(request.roles ?? [])],
      scp: "user_impersonation",
      name: request.name ?? user.split("@")[0],
      [version === "2.0" ? "preferred_username" : "upn"]: user,
      azp: "11111111-2222-4333-8444-555555555555",
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: keyId })
      .setIssuer(issuer)
      .setAudience(request.audience)
      .setSubject(oid)
      .setIssuedAt(now)
      .setNotBefore(request.notBefore ?? now)
      .setExpirationTime(now + (request.lifetimeSeconds ?? 3_600))
      .sign(key);
  }

  const identity: SimulatedIdentity = {
    jwks: { keys: [publicJwk] },
    issueValidationToken: async (request) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ver: "1.0", tid: options.tenantId, appid: GRAPH_CHANGE_TRACKING_APP_ID, azp: GRAPH_CHANGE_TRACKING_APP_ID, appidacr: "2" })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
        .setIssuer(`https://sts.windows.net/${options.tenantId}/`)
        .setAudience(request.audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + (request.lifetimeSeconds ?? 3_600))
        .sign(privateKey);
    },
    issueApiToken: (request) => sign(request, privateKey, kid),
    issueForeignToken: (request) => sign(request, foreign.privateKey, kid),
    objectIdFor,
    async handle(method, path, body) {
      const keys = /^\/([^/]+)\/discovery(?:\/v2\.0)?\/keys$/i.exec(path);
      if (keys && method === "GET") return { status: 200, body: identity.jwks };
      // Not an Entra endpoint: how the local `npm run token` asks for a user's token with roles.
      if (path === "/_simulator/api-token" && method === "POST") {
        let input: Partial<ApiTokenRequest>;
        try {
          input = JSON.parse(body) as Partial<ApiTokenRequest>;
        } catch {
          return { status: 400, body: { error: "invalid_request", error_description: "the body must be JSON" } };
        }
        if (typeof input.audience !== "string" || input.audience === "") {
          return { status: 400, body: { error: "invalid_request", error_description: "audience is required" } };
        }
        const roles = Array.isArray(input.roles) ? input.roles.filter((role): role is string => typeof role === "string") : [];
        const token = await sign(
          { audience: input.audience, roles, ...(typeof input.user === "string" ? { user: input.user } : {}), ...(input.version === "1.0" ? { version: "1.0" } : {}) },
          privateKey,
          kid,
        );
        return { status: 200, body: { token_type: "Bearer", access_token: token, expires_in: 3_600 } };
      }
      return undefined;
    },
  };
  return identity;
}
