// Entra ID access tokens, validated in code with jose: the signature against the tenant's JWKS
// (RS256, key by `kid`), `iss` for the configured tenant in the form `ver` says (v1
// https://sts.windows.net/{tid}/, v2 {authority}/{tid}/v2.0), `aud` (the API's client id or App ID
// URI), `exp`/`nbf` with a small clock tolerance. Nothing else is read before this answers, so an
// anonymous request causes no store I/O. Callers are identified by oid + tid, never by name or UPN.
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type FetchImplementation, type JWTPayload } from "jose";
import { isAppRole, type AppRole } from "./roles.js";

export interface Caller {
  /** Entra object id of the user or service principal. */
  oid: string;
  tid: string;
  roles: AppRole[];
  name?: string;
  username?: string;
}

/** `unavailable`: the tenant's keys could not be fetched (a 503, not the caller's fault). */
export type Authentication = { ok: true; caller: Caller } | { ok: false; reason: string; unavailable?: boolean };

export interface TokenValidatorOptions {
  tenantId: string;
  /** Accepted `aud` values: the API's client id and/or App ID URI. */
  audiences: readonly string[];
  /** E.g. https://login.microsoftonline.com; locally the Graph simulator's address. */
  authorityHost: string;
  /** Fetch for the JWKS (one that trusts a local CA, locally); default the global fetch. */
  fetch?: (url: string, init: Record<string, unknown>) => Promise<Response>;
  clockToleranceInSeconds?: number;
}

export type TokenValidator = (authorization: string | null | undefined) => Promise<Authentication>;

const BEARER = /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+)$/;
/** Entra's signing keys rotate about daily; a new kid triggers a refetch (at most every 30 s). */
const JWKS_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export function issuersFor(options: { tenantId: string; authorityHost: string }): { v1: string; v2: string } {
  return {
    v1: `https://sts.windows.net/${options.tenantId}/`,
    v2: `${options.authorityHost.replace(/\/+$/, "")}/${options.tenantId}/v2.0`,
  };
}

export function jwksUrlFor(options: { tenantId: string; authorityHost: string }): URL {
  return new URL(`${options.authorityHost.replace(/\/+$/, "")}/${options.tenantId}/discovery/v2.0/keys`);
}

/** A tenant's published signing keys, fetched and cached by jose: for the API's tokens and Graph's validation tokens alike. */
export function entraSigningKeys(options: {
  tenantId: string;
  authorityHost: string;
  fetch?: (url: string, init: Record<string, unknown>) => Promise<Response>;
}): ReturnType<typeof createRemoteJWKSet> {
  return createRemoteJWKSet(jwksUrlFor(options), {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: 30_000,
    timeoutDuration: 10_000,
    ...(options.fetch ? { [customFetch]: options.fetch as FetchImplementation } : {}),
  });
}

export function createTokenValidator(options: TokenValidatorOptions): TokenValidator {
  const jwks = entraSigningKeys(options);
  const issuers = issuersFor(options);
  const clockTolerance = options.clockToleranceInSeconds ?? 120;

  return async (authorization) => {
    const token = authorization ? BEARER.exec(authorization.trim())?.[1] : undefined;
    if (!token) return { ok: false, reason: "a bearer token is required (Authorization: Bearer <token>)" };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ["RS256"],
        audience: [...options.audiences],
        issuer: [issuers.v1, issuers.v2],
        clockTolerance,
        requiredClaims: ["exp", "tid", "oid"],
      }));
    } catch (error) {
      if (keysUnavailable(error)) return { ok: false, reason: "the tenant's signing keys could not be fetched", unavailable: true };
      return { ok: false, reason: describeJoseError(error) };
    }
    // v1 tokens carry ver "1.0" and the sts.windows.net issuer; v2 tokens "2.0" and the authority's.
    const expectedIssuer = payload["ver"] === "2.0" ? issuers.v2 : payload["ver"] === "1.0" ? issuers.v1 : undefined;
    if (payload.iss !== expectedIssuer) return { ok: false, reason: "the token's issuer does not match its version" };
    if (payload["tid"] !== options.tenantId) return { ok: false, reason: "the token is for another tenant" };
    const oid = payload["oid"];
    if (typeof oid !== "string" || oid === "") return { ok: false, reason: "the token has no object id (oid)" };
    const roles = Array.isArray(payload["roles"]) ? payload["roles"].filter((role): role is AppRole => typeof role === "string" && isAppRole(role)) : [];
    const name = payload["name"];
    const username = payload["preferred_username"] ?? payload["upn"];
    return {
      ok: true,
      caller: {
        oid,
        tid: options.tenantId,
        roles,
        ...(typeof name === "string" ? { name } : {}),
        ...(typeof username === "string" ? { username } : {}),
      },
    };
  };
}

export function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "the token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "the token is not signed by a key of the tenant";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  return "the token is not valid";
}

/** A network failure or timeout fetching the JWKS (jose passes fetch's own errors through). */
function keysUnavailable(error: unknown): boolean {
  return error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError);
}
