// The Entra ID credential the Graph client authenticates with: a client secret, a certificate, or
// a managed identity. A local token endpoint (the Graph simulator) is trusted through the
// credential's own HTTP pipeline (`tlsOptions.ca`), never by switching TLS checks off.
import { rootCertificates } from "node:tls";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";

export type GraphCredentialKind = "clientSecret" | "certificate" | "managedIdentity";

export interface GraphCredentialOptions {
  kind: GraphCredentialKind;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** PEM holding the certificate and its private key. */
  certificatePem?: string;
  /** A user-assigned managed identity's client id; system-assigned when absent. */
  managedIdentityClientId?: string;
  /** Default: Entra ID's public cloud (https://login.microsoftonline.com). */
  authorityHost?: string;
  /** PEM of a CA to trust in addition to the public roots, for a local token endpoint. */
  ca?: string;
}

/** Entra ID's hosts: instance discovery works against these and only these. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  "login.microsoftonline.com",
  "login.microsoftonline.us",
  "login.chinacloudapi.cn",
  "login.partner.microsoftonline.cn",
  "login.microsoftonline.de",
  "login.microsoft.com",
  "login.windows.net",
  "sts.windows.net",
]);

export function isMicrosoftAuthorityHost(authorityHost: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(authorityHost).hostname.toLowerCase();
  } catch {
    throw new RangeError(`authorityHost must be an absolute URL such as https://login.microsoftonline.com, got "${authorityHost}"`);
  }
  return MICROSOFT_AUTHORITY_HOSTS.has(hostname);
}

/** Options every credential shares: authority and trust. Exported for tests. */
export function pipelineOptionsFor(options: Pick<GraphCredentialOptions, "authorityHost" | "ca">): {
  authorityHost?: string;
  disableInstanceDiscovery?: boolean;
  tlsOptions?: { ca: string[] };
} {
  return {
    ...(options.authorityHost === undefined
      ? {}
      : { authorityHost: options.authorityHost, ...(isMicrosoftAuthorityHost(options.authorityHost) ? {} : { disableInstanceDiscovery: true }) }),
    // `ca` replaces the default roots in Node's TLS, so keep them alongside the local CA.
    ...(options.ca === undefined ? {} : { tlsOptions: { ca: [...rootCertificates, options.ca] } }),
  };
}

function required(options: GraphCredentialOptions, name: "tenantId" | "clientId" | "clientSecret" | "certificatePem"): string {
  const value = options[name];
  if (value === undefined || value.trim() === "") {
    throw new RangeError(`Graph credential "${options.kind}" needs ${name}`);
  }
  return value;
}

export function createGraphCredential(options: GraphCredentialOptions): TokenCredential {
  const common = pipelineOptionsFor(options);
  switch (options.kind) {
    case "clientSecret":
      return new ClientSecretCredential(required(options, "tenantId"), required(options, "clientId"), required(options, "clientSecret"), common);
    case "certificate":
      return new ClientCertificateCredential(
        required(options, "tenantId"),
        required(options, "clientId"),
        { certificate: required(options, "certificatePem") },
        common,
      );
    case "managedIdentity": {
      // Managed identity talks to the local IMDS/App Service endpoint: no authority, no discovery.
      const trust = common.tlsOptions === undefined ? {} : { tlsOptions: common.tlsOptions };
      return options.managedIdentityClientId === undefined || options.managedIdentityClientId === ""
        ? new ManagedIdentityCredential(trust)
        : new ManagedIdentityCredential({ clientId: options.managedIdentityClientId, ...trust });
    }
    default: {
      const kind: never = options.kind;
      throw new RangeError(`Graph credential kind must be "clientSecret", "certificate" or "managedIdentity", got "${String(kind)}"`);
    }
  }
}
