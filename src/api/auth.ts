// Entra ID access tokens, validated in code with jose: the signature against the tenant's JWKS
// (RS256, key by `kid`), `iss` for the configured tenant in the form `ver` says (v1
// https://sts.windows.net/{tid}/, v2 {authority}/{tid}/v2.0), `aud` (the API's client id or App ID
// URI), `exp`/`nbf` with a small clock tolerance. Nothing else is read before this answers, so an
// anonymous request causes no store I/O. Callers are identified by oid + tid, never by name or UPN.
import { jwtVerify, type JWTPayload } from "jose";
import { describeJoseError, entraSigningKeys, issuersFor, keysUnavailable } from "../adapters/entra/signing-keys.js";
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
