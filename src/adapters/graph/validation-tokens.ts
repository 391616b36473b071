// The validationTokens of rich notifications: JWTs Microsoft Graph signs for the receiving app,
// validated with jose against Entra's published keys. Each must be signed (RS256, key by kid),
// issued for the app's tenant (`iss`), addressed to the app (`aud` = its client id), published by
// Graph's change-notification service (`azp`, or `appid` in v1 tokens, =
// GRAPH_CHANGE_TRACKING_APP_ID) and within its lifetime (`exp`, `nbf`, small clock tolerance).
import { jwtVerify } from "jose";
import { describeJoseError, entraSigningKeys, issuersFor } from "../entra/signing-keys.js";
import type { ValidationTokenVerifier } from "../../app/ports.js";

/** Microsoft Graph's change-notification publisher ("Microsoft Graph Change Tracking"). */
export const GRAPH_CHANGE_TRACKING_APP_ID = "0bf30f3b-4a52-48df-9a82-234910c4a086";

export interface ValidationTokenOptions {
  tenantId: string;
  /** The app's client id: the tokens' audience. */
  appId: string;
  /** E.g. https://login.microsoftonline.com; locally the Graph simulator's address. */
  authorityHost: string;
  /** Fetch for the JWKS (one that trusts a local CA, locally); default the global fetch. */
  fetch?: (url: string, init: Record<string, unknown>) => Promise<Response>;
  clockToleranceInSeconds?: number;
}

export function createValidationTokenVerifier(options: ValidationTokenOptions): ValidationTokenVerifier {
  const jwks = entraSigningKeys(options);
  const issuers = issuersFor(options);
  return {
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, jwks, {
          algorithms: ["RS256"],
          audience: options.appId,
          issuer: [issuers.v1, issuers.v2],
          clockTolerance: options.clockToleranceInSeconds ?? 120,
          requiredClaims: ["exp"],
        });
        // v2 tokens name the calling app in azp, v1 tokens in appid; whichever are present must be Graph's.
        const publishers = [payload["azp"], payload["appid"]].filter((value) => value !== undefined);
        if (publishers.length === 0 || publishers.some((value) => value !== GRAPH_CHANGE_TRACKING_APP_ID)) {
          return { ok: false, reason: "the token was not issued to Microsoft Graph's change notifications (azp/appid)" };
        }
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: describeJoseError(error) };
      }
    },
  };
}
