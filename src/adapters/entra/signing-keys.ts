// Entra ID's published side of token validation, shared by the admin API's access tokens
// (src/api/auth.ts) and Graph's validation tokens (src/adapters/graph/validation-tokens.ts): the
// issuers a tenant signs as, its JWKS address, the cached key set, and jose's errors in words.
import { createRemoteJWKSet, customFetch, errors as joseErrors, type FetchImplementation } from "jose";

/** Entra's signing keys rotate about daily; a new kid triggers a refetch (at most every 30 s). */
const JWKS_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export interface EntraTenant {
  tenantId: string;
  /** E.g. https://login.microsoftonline.com; locally the Graph simulator's address. */
  authorityHost: string;
}

/** v1 tokens are issued by sts.windows.net, v2 tokens by the authority host. */
export function issuersFor(options: EntraTenant): { v1: string; v2: string } {
  return {
    v1: `https://sts.windows.net/${options.tenantId}/`,
    v2: `${options.authorityHost.replace(/\/+$/, "")}/${options.tenantId}/v2.0`,
  };
}

export function jwksUrlFor(options: EntraTenant): URL {
  return new URL(`${options.authorityHost.replace(/\/+$/, "")}/${options.tenantId}/discovery/v2.0/keys`);
}

/** A tenant's published signing keys, fetched and cached by jose: for the API's tokens and Graph's validation tokens alike. */
export function entraSigningKeys(
  options: EntraTenant & { fetch?: (url: string, init: Record<string, unknown>) => Promise<Response> },
): ReturnType<typeof createRemoteJWKSet> {
  return createRemoteJWKSet(jwksUrlFor(options), {
    cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
    cooldownDuration: 30_000,
    timeoutDuration: 10_000,
    ...(options.fetch ? { [customFetch]: options.fetch as FetchImplementation } : {}),
  });
}

/** Why jose refused a token, in words safe to show the caller (no token content). */
export function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "the token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "the token's signature is not valid";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "the token is not signed by a key of the tenant";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  return "the token is not valid";
}

/** A network failure or timeout fetching the JWKS (jose passes fetch's own errors through). */
export function keysUnavailable(error: unknown): boolean {
  return error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError);
}
