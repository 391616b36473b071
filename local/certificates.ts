// Throwaway TLS certificates for local stand-ins (embedded Cosmos DB, Graph simulator). Clients
// trust the returned `ca` explicitly (https.Agent({ ca })); TLS checks are never switched off.
import { createHash, X509Certificate } from "node:crypto";
import { generate } from "selfsigned";

export interface LocalCertificateOptions {
  /** Default: "localhost". */
  commonName?: string;
  /** Names and IP addresses the certificate is valid for. Default: localhost, 127.0.0.1, ::1. */
  hosts?: string[];
}

export interface LocalCertificate {
  cert: string;
  key: string;
  /** The certificate to trust: it is self-signed, so it is its own CA. */
  ca: string;
}

const DEFAULT_HOSTS = ["localhost", "127.0.0.1", "::1"];
const VALIDITY_IN_MS = 24 * 60 * 60 * 1000;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A self-signed certificate valid for one day (from one minute ago, to tolerate clock skew). */
export async function createLocalCertificate(options: LocalCertificateOptions = {}): Promise<LocalCertificate> {
  const commonName = options.commonName ?? "localhost";
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  if (hosts.length === 0) throw new RangeError("hosts must name at least one host name or IP address");
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + VALIDITY_IN_MS),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: hosts.map((host) => (IPV4.test(host) || host.includes(":") ? { type: 7, ip: host } : { type: 2, value: host })),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private, ca: pems.cert };
}

/**
 * The base64 SHA-256 of a certificate's public key (SPKI): what Chromium's
 * --ignore-certificate-errors-spki-list takes to trust this one key, and nothing else.
 */
export function spkiHash(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}
