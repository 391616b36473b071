// Temporary: a self-signed certificate for the simulator until local/certificates.ts lands.
import { generate } from "selfsigned";

export interface SimulatorCertificate {
  cert: string;
  key: string;
  /** PEM to trust: the certificate is its own CA. */
  ca: string;
}

export async function createSimulatorCertificate(): Promise<SimulatorCertificate> {
  const now = Date.now();
  const result = await generate([{ name: "commonName", value: "graph-simulator.local" }], {
    keySize: 2048,
    algorithm: "sha256",
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 7 * 24 * 3_600_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  return { cert: result.cert, key: result.private, ca: result.cert };
}
