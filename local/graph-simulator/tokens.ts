// Auth: the client-credentials token endpoint, the tokens it issues, and OpenID discovery.
import { randomBytes, randomUUID } from "node:crypto";
import { jsonResponse } from "./http-util.js";
import type { SimResponse } from "./http-util.js";
import type { SimContext } from "./context.js";

export function createTokens(ctx: SimContext) {
  const { options, tenantId, tokens, stats } = ctx;

  function issueToken(clientId: string): { token: string; expiresIn: number } {
    const expiresIn = options.tokenLifetimeSeconds ?? 3_599;
    const nowSeconds = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "graph-simulator" })).toString("base64url");
    const payload = Buffer.from(
      JSON.stringify({
        aud: "https://graph.microsoft.com",
        iss: `https://sts.windows.net/${tenantId}/`,
        iat: nowSeconds,
        nbf: nowSeconds,
        exp: nowSeconds + expiresIn,
        appid: clientId,
        tid: tenantId,
        roles: ["Mail.Read", "Mail.Send", "Mail.ReadWrite"],
      }),
    ).toString("base64url");
    const token = `${header}.${payload}.${randomBytes(32).toString("base64url")}`;
    tokens.set(token, { clientId, expiresAt: Date.now() + expiresIn * 1000 });
    stats.tokensIssued += 1;
    return { token, expiresIn };
  }

  function tokenError(status: number, error: string, code: number, description: string): SimResponse {
    return jsonResponse(status, {
      error,
      error_description: `AADSTS${code}: ${description}`,
      error_codes: [code],
      timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z",
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    });
  }

  function handleToken(tenant: string, form: URLSearchParams): SimResponse {
    if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
      return tokenError(400, "invalid_request", 90002, `Tenant '${tenant}' not found.`);
    }
    if (form.get("grant_type") !== "client_credentials") {
      return tokenError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
    }
    const clientId = form.get("client_id") ?? "";
    const secret = form.get("client_secret");
    const assertion = form.get("client_assertion");
    if (!clientId) return tokenError(400, "invalid_request", 900144, "The request body must contain 'client_id'.");
    if (!secret && !assertion) {
      return tokenError(401, "invalid_client", 7000218, "The request body must contain 'client_assertion' or 'client_secret'.");
    }
    if (assertion) {
      const payload = assertion.split(".")[1];
      let subject: unknown;
      try {
        subject = (JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as { sub?: unknown }).sub;
      } catch {
        subject = undefined;
      }
      if (subject !== clientId) {
        return tokenError(401, "invalid_client", 700027, "Client assertion contains an invalid signature or subject.");
      }
    }
    if (options.clients) {
      const known = options.clients.find((client) => client.clientId === clientId);
      if (!known) return tokenError(400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found.`);
      if (secret && known.clientSecret !== undefined && known.clientSecret !== secret) {
        return tokenError(401, "invalid_client", 7000215, "Invalid client secret provided.");
      }
    }
    const { token, expiresIn } = issueToken(clientId);
    return jsonResponse(200, { token_type: "Bearer", expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
  }

  function openIdConfiguration(tenant: string, authority: string): SimResponse {
    const base = `${authority}/${tenant}`;
    return jsonResponse(200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${authority}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${authority}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "tid"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "NA",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    });
  }
  return { issueToken, handleToken, openIdConfiguration };
}
