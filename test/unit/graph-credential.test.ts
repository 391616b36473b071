import { rootCertificates } from "node:tls";
import { describe, expect, it } from "vitest";
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from "@azure/identity";
import { createGraphCredential, isMicrosoftAuthorityHost, pipelineOptionsFor } from "../../src/adapters/graph/credential.js";

const LOCAL_CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("isMicrosoftAuthorityHost", () => {
  it.each([
    ["https://login.microsoftonline.com", true],
    ["https://login.microsoftonline.com/", true],
    ["https://LOGIN.microsoftonline.us", true],
    ["https://login.chinacloudapi.cn", true],
    ["https://127.0.0.1:8443", false],
    ["https://localhost:8443/", false],
    ["https://login.microsoftonline.com.evil.test", false],
  ])("%s → %s", (host, expected) => {
    expect(isMicrosoftAuthorityHost(host)).toBe(expected);
  });

  it("rejects a host that is not a URL", () => {
    expect(() => isMicrosoftAuthorityHost("login.microsoftonline.com")).toThrow(/authorityHost must be an absolute URL/);
  });
});

describe("pipelineOptionsFor", () => {
  it("adds nothing by default", () => {
    expect(pipelineOptionsFor({})).toEqual({});
  });

  it("keeps instance discovery for Microsoft's authority", () => {
    expect(pipelineOptionsFor({ authorityHost: "https://login.microsoftonline.com" })).toEqual({ authorityHost: "https://login.microsoftonline.com" });
  });

  it("disables instance discovery for a local authority and trusts its CA with the public roots", () => {
    const options = pipelineOptionsFor({ authorityHost: "https://127.0.0.1:9443", ca: LOCAL_CA });
    expect(options.authorityHost).toBe("https://127.0.0.1:9443");
    expect(options.disableInstanceDiscovery).toBe(true);
    expect(options.tlsOptions?.ca).toEqual([...rootCertificates, LOCAL_CA]);
  });
});

describe("createGraphCredential", () => {
  it.each([
    [{ kind: "clientSecret" as const, tenantId: "t", clientId: "c", clientSecret: "s" }, ClientSecretCredential],
    [{ kind: "clientSecret" as const, tenantId: "t", clientId: "c", clientSecret: "s", authorityHost: "https://127.0.0.1:9443", ca: LOCAL_CA }, ClientSecretCredential],
    [{ kind: "managedIdentity" as const }, ManagedIdentityCredential],
    [{ kind: "managedIdentity" as const, managedIdentityClientId: "11111111-2222-3333-4444-555555555555" }, ManagedIdentityCredential],
  ])("builds %j", (options, type) => {
    expect(createGraphCredential(options)).toBeInstanceOf(type);
  });

  it("builds a certificate credential from PEM text", () => {
    // The PEM is read lazily, at the first token request.
    expect(createGraphCredential({ kind: "certificate", tenantId: "t", clientId: "c", certificatePem: LOCAL_CA })).toBeInstanceOf(ClientCertificateCredential);
  });

  it.each([
    [{ kind: "clientSecret" as const, clientId: "c", clientSecret: "s" }, /"clientSecret" needs tenantId/],
    [{ kind: "clientSecret" as const, tenantId: "t", clientSecret: "s" }, /"clientSecret" needs clientId/],
    [{ kind: "clientSecret" as const, tenantId: "t", clientId: "c", clientSecret: " " }, /"clientSecret" needs clientSecret/],
    [{ kind: "certificate" as const, tenantId: "t", clientId: "c" }, /"certificate" needs certificatePem/],
  ])("names what is missing: %j", (options, message) => {
    expect(() => createGraphCredential(options)).toThrow(message);
  });

  it("rejects an unknown kind", () => {
    expect(() => createGraphCredential({ kind: "password" as never })).toThrow(/kind must be "clientSecret", "certificate" or "managedIdentity"/);
  });
});
