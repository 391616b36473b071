import { constants, createCipheriv, createHmac, generateKeyPairSync, publicEncrypt, randomBytes, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { EncryptedContent, EncryptionKeyStore } from "../../src/app/ports.js";
import { createResourceDataOpener, decryptResourceData, parseEncryptedContent, subscriptionLifetime } from "../../src/app/resource-data.js";
import { missingProperties, MESSAGE_PROPERTIES } from "../../src/domain/message-properties.js";
import { chooseVersions, splitCertificatePem } from "../../src/adapters/keyvault/certificate-versions.js";
import { createLocalCertificate } from "../../local/certificates.js";

const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
const other = generateKeyPairSync("rsa", { modulusLength: 2048 });

/** Graph's documented scheme, step by step (spec administration.md §9), written out independently. */
function encrypt(value: unknown, publicKey: KeyObject, options: { certificateId?: string; plaintext?: string } = {}): EncryptedContent {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  const data = Buffer.concat([cipher.update(options.plaintext ?? JSON.stringify(value), "utf8"), cipher.final()]);
  return {
    data: data.toString("base64"),
    dataSignature: createHmac("sha256", key).update(data).digest("base64"),
    dataKey: publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, key).toString("base64"),
    encryptionCertificateId: options.certificateId ?? "v1",
  };
}

function flip(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
  return bytes.toString("base64");
}

function completeMessage(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const message: Record<string, unknown> = Object.fromEntries(MESSAGE_PROPERTIES.map((name) => [name, null]));
  return { ...message, id, subject: "Hello", internetMessageHeaders: [], ...overrides };
}

describe("decryptResourceData", () => {
  it("opens Graph's payload: RSA-OAEP key, HMAC-SHA256 signature, AES-CBC with the key's first 16 bytes as IV", () => {
    const opened = decryptResourceData(encrypt({ id: "M1", subject: "Hi" }, pair.publicKey), pair.privateKey);
    expect(opened).toEqual({ ok: true, value: { id: "M1", subject: "Hi" } });
  });

  it.each([
    { name: "a changed ciphertext", change: (c: EncryptedContent) => ({ ...c, data: flip(c.data) }), reason: "badSignature" },
    { name: "a changed signature", change: (c: EncryptedContent) => ({ ...c, dataSignature: flip(c.dataSignature) }), reason: "badSignature" },
    { name: "a truncated signature", change: (c: EncryptedContent) => ({ ...c, dataSignature: Buffer.from("short").toString("base64") }), reason: "badSignature" },
    { name: "a changed wrapped key", change: (c: EncryptedContent) => ({ ...c, dataKey: flip(c.dataKey) }), reason: "badKey" },
  ])("refuses $name ($reason) before decrypting", ({ change, reason }) => {
    expect(decryptResourceData(change(encrypt({ id: "M1" }, pair.publicKey)), pair.privateKey)).toEqual({ ok: false, reason });
  });

  it("refuses another key pair's payload, and a signed payload that is not JSON", () => {
    expect(decryptResourceData(encrypt({ id: "M1" }, other.publicKey), pair.privateKey)).toEqual({ ok: false, reason: "badKey" });
    expect(decryptResourceData(encrypt(undefined, pair.publicKey, { plaintext: "not json" }), pair.privateKey)).toEqual({ ok: false, reason: "undecryptable" });
  });
});

describe("parseEncryptedContent", () => {
  const good = encrypt({ id: "M1" }, pair.publicKey);
  it.each([
    ["Graph's shape", good, true],
    ["with a thumbprint", { ...good, encryptionCertificateThumbprint: "A".repeat(40) }, true],
    ["a null thumbprint", { ...good, encryptionCertificateThumbprint: null }, true],
    ["a bad thumbprint", { ...good, encryptionCertificateThumbprint: "xyz" }, false],
    ["data not base64", { ...good, data: "not base64!" }, false],
    ["no dataKey", { ...good, dataKey: undefined }, false],
    ["an empty certificate id", { ...good, encryptionCertificateId: "" }, false],
    ["a certificate id of 129 characters", { ...good, encryptionCertificateId: "a".repeat(129) }, false],
    ["an array", [good], false],
    ["null", null, false],
  ])("%s → accepted: %s", (_name, value, accepted) => {
    expect(parseEncryptedContent(value) !== undefined).toBe(accepted);
  });
});

describe("the worker's opener", () => {
  const keys: EncryptionKeyStore = {
    current: async () => ({ id: "v1", certificate: "" }),
    privateKey: async (id) => (id === "v1" ? pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString() : undefined),
  };
  const opener = createResourceDataOpener(keys);

  it("supplies complete messages and says why it could not use the others", async () => {
    const { messages, fallbacks } = await opener.open(
      {
        M1: encrypt(completeMessage("M1"), pair.publicKey),
        M2: encrypt(completeMessage("M2"), pair.publicKey, { certificateId: "retired" }),
        M3: encrypt(completeMessage("other"), pair.publicKey),
        M4: encrypt({ id: "M4", subject: "only a subject" }, pair.publicKey),
        M5: { ...encrypt(completeMessage("M5"), pair.publicKey), data: flip(encrypt(completeMessage("M5"), pair.publicKey).data) },
        M6: encrypt(["not", "a", "message"], pair.publicKey),
      },
      { folder: "inbox" },
    );
    expect([...messages.keys()]).toEqual(["M1"]);
    expect(messages.get("M1")?.subject).toBe("Hello");
    expect(fallbacks).toEqual({ unknownCertificate: 1, otherMessage: 1, missingProperties: 1, badSignature: 1, notAMessage: 1 });
  });
});

describe("missingProperties: what the rules need that a payload lacks", () => {
  const reply = Buffer.concat([Buffer.alloc(22, 1), Buffer.alloc(5, 2)]).toString("base64");
  it.each([
    { name: "a complete Inbox message", message: completeMessage("M"), folder: "inbox" as const, missing: [] },
    { name: "Inbox mail whose headers Graph rendered as null", message: { ...completeMessage("M"), internetMessageHeaders: null }, folder: "inbox" as const, missing: [] },
    { name: "Inbox mail whose headers key is absent", message: (({ internetMessageHeaders: _h, ...rest }) => rest)(completeMessage("M")), folder: "inbox" as const, missing: ["internetMessageHeaders"] },
    { name: "no body", message: (({ body: _b, ...rest }) => rest)(completeMessage("M")), folder: "inbox" as const, missing: ["body"] },
    { name: "a sent email that starts a thread", message: completeMessage("M", { conversationIndex: Buffer.alloc(22, 1).toString("base64") }), folder: "sentitems" as const, missing: [] },
    { name: "a sent reply (child blocks)", message: completeMessage("M", { conversationIndex: reply }), folder: "sentitems" as const, missing: ["singleValueExtendedProperties"] },
    { name: "a sent email with no conversation index", message: completeMessage("M"), folder: "sentitems" as const, missing: ["singleValueExtendedProperties"] },
    { name: "a sent reply with its extended properties", message: completeMessage("M", { conversationIndex: reply, singleValueExtendedProperties: [] }), folder: "sentitems" as const, missing: [] },
  ])("$name → $missing", ({ message, folder, missing }) => {
    expect(missingProperties(message, folder)).toEqual(missing);
  });
});

describe("subscriptionLifetime: the one place that knows resource data lives a day", () => {
  it.each([
    { resourceData: false, lifetimeInMinutes: 4230, renewBeforeInMinutes: 1440, expected: { lifetimeInMinutes: 4230, renewBeforeInMinutes: 1440 } },
    { resourceData: true, lifetimeInMinutes: 4230, renewBeforeInMinutes: 1440, expected: { lifetimeInMinutes: 1410, renewBeforeInMinutes: 705 } },
    { resourceData: true, lifetimeInMinutes: 600, renewBeforeInMinutes: 120, expected: { lifetimeInMinutes: 600, renewBeforeInMinutes: 120 } },
    { resourceData: true, lifetimeInMinutes: 600, renewBeforeInMinutes: 400, expected: { lifetimeInMinutes: 600, renewBeforeInMinutes: 300 } },
  ])("resource data $resourceData, $lifetimeInMinutes/$renewBeforeInMinutes → $expected", ({ expected, ...input }) => {
    const result = subscriptionLifetime(input);
    expect(result).toEqual(expected);
    expect(result.lifetimeInMinutes).toBeLessThanOrEqual(input.resourceData ? 1440 : 10080);
    expect(result.renewBeforeInMinutes).toBeLessThan(result.lifetimeInMinutes);
  });
});

describe("Key Vault certificate versions", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const day = 86_400_000;
  const at = (days: number) => new Date(now.getTime() + days * day);
  it.each([
    { name: "the newest enabled version is current; older ones stay accepted", versions: [
      { version: "a", enabled: true, createdOn: at(-60) },
      { version: "b", enabled: true, createdOn: at(-1) },
    ], current: "b", accepted: ["a", "b"] },
    { name: "a disabled version is neither", versions: [
      { version: "a", enabled: true, createdOn: at(-60) },
      { version: "b", enabled: false, createdOn: at(-1) },
    ], current: "a", accepted: ["a"] },
    { name: "an expired or not yet valid version is neither", versions: [
      { version: "a", enabled: true, createdOn: at(-400), expiresOn: at(-1) },
      { version: "b", enabled: true, createdOn: at(-1), notBefore: at(1) },
      { version: "c", enabled: true, createdOn: at(-2), expiresOn: at(300) },
    ], current: "c", accepted: ["c"] },
    { name: "none usable", versions: [{ version: "a", enabled: false }], current: undefined, accepted: [] },
  ])("$name", ({ versions, current, accepted }) => {
    const chosen = chooseVersions(versions, now);
    expect(chosen.current).toBe(current);
    expect([...chosen.accepted].sort()).toEqual(accepted);
  });

  it("splits a PEM certificate secret into Graph's base64 DER and the private key; refuses anything else", async () => {
    const local = await createLocalCertificate({ commonName: "rich.test", hosts: ["localhost"] });
    const split = splitCertificatePem(`${local.key}\n${local.cert}`, { name: "rich" });
    expect(split.privateKeyPem).toContain("PRIVATE KEY");
    expect(Buffer.from(split.certificate, "base64").subarray(0, 1)[0]).toBe(0x30); // DER SEQUENCE
    expect(() => splitCertificatePem("MIIKpAIBAzCCCm4GCSqGSIb3DQEHAaCC", { name: "rich" })).toThrow(/application\/x-pem-file/);
  });
});
