// The simulator's rich notifications against Graph's documented behaviour (spec
// graph-mail-notifications.md §1, administration.md §9): beta only for Outlook messages, $select
// required, a certificate and its id required, at most 1,440 minutes; each POST carries
// validationTokens (v1 JWTs: aud = the subscribing app, azp/appid = Graph's, iss = the tenant's
// sts.windows.net) and each item encryptedContent that opens with the subscriber's private key.
import { constants, createDecipheriv, createHmac, privateDecrypt } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Client } from "@microsoft/microsoft-graph-client";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { connectTestClient, startGraphSimulator, startNotificationReceiver } from "../../local/graph-simulator/index.js";
import type { GraphSimulator, NotificationReceiver } from "../../local/graph-simulator/index.js";
import { createLocalCertificate } from "../../local/certificates.js";

let sim: GraphSimulator;
let v1: Client;
let beta: Client;
let receiver: NotificationReceiver;
let alice: string;
let certificate: string;
let privateKeyPem: string;

const SELECT = "id,subject,body,from,toRecipients,internetMessageHeaders";
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

function richBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    changeType: "created",
    notificationUrl: receiver.url,
    resource: `users/${alice}/mailFolders('inbox')/messages?$select=${SELECT}`,
    expirationDateTime: inMinutes(600),
    clientState: "client-state-value",
    includeResourceData: true,
    encryptionCertificate: certificate,
    encryptionCertificateId: "cert-v1",
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ statusCode?: number; message?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode?: number; message?: string };
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  sim = await startGraphSimulator({ notificationRetryBaseMs: 5, notificationTimeoutMs: 1_000, validationTimeoutMs: 1_000, notificationDelayMs: 20 });
  alice = sim.addMailbox({ address: "alice@contoso.test" });
  v1 = connectTestClient(sim);
  beta = connectTestClient(sim);
  const local = await createLocalCertificate({ commonName: "rich.test", hosts: ["localhost"] });
  certificate = new X509Certificate(local.cert).raw.toString("base64");
  privateKeyPem = local.key;
});

beforeEach(async () => {
  receiver = await startNotificationReceiver();
});

afterEach(async () => {
  for (const subscription of sim.listSubscriptions()) await v1.api(`/subscriptions/${subscription.id}`).delete().catch(() => undefined);
  await sim.notificationsIdle();
  await receiver.close();
});

afterAll(async () => {
  await sim.close();
});

describe("creating a rich subscription", () => {
  it.each([
    { name: "on v1.0", version: "v1.0", body: {}, message: /beta/ },
    { name: "without $select", version: "beta", body: { resource: "users/ALICE/mailFolders('inbox')/messages" }, message: /\$select/ },
    { name: "without a certificate", version: "beta", body: { encryptionCertificate: undefined }, message: /encryptionCertificate is required/ },
    { name: "with a certificate that is not X.509", version: "beta", body: { encryptionCertificate: "AAAA" }, message: /X\.509/ },
    { name: "without a certificate id", version: "beta", body: { encryptionCertificateId: undefined }, message: /encryptionCertificateId/ },
    { name: "for longer than 1,440 minutes", version: "beta", body: { expirationDateTime: inMinutes(1_500) }, message: /1440 minutes/ },
  ])("is refused $name (400)", async ({ version, body, message }) => {
    const resolved = Object.fromEntries(Object.entries(richBody(body)).map(([key, value]) => [key, typeof value === "string" ? value.replace("ALICE", alice) : value]));
    const error = await failure((version === "beta" ? beta : v1).api("/subscriptions").version(version).post(resolved));
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(message);
  });

  it("is created on beta, rendered with its certificate and id", async () => {
    const created = (await beta.api("/subscriptions").version("beta").post(richBody())) as Record<string, unknown>;
    expect(created).toMatchObject({ includeResourceData: true, encryptionCertificate: certificate, encryptionCertificateId: "cert-v1" });
  });
});

/** Decrypted as Graph's documentation describes, independently of the app's code. */
function opened(content: { data: string; dataSignature: string; dataKey: string }): Record<string, unknown> {
  const key = privateDecrypt({ key: privateKeyPem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" }, Buffer.from(content.dataKey, "base64"));
  const data = Buffer.from(content.data, "base64");
  expect(createHmac("sha256", key).update(data).digest("base64")).toBe(content.dataSignature);
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  return JSON.parse(Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8")) as Record<string, unknown>;
}

describe("a rich notification", () => {
  it("carries validation tokens and encryptedContent that opens to the selected properties", async () => {
    await beta.api("/subscriptions").version("beta").post(richBody());
    sim.deliverExternal({ to: ["alice@contoso.test"], from: { address: "sender@fabrikam.test" }, subject: "Encrypted hello", body: "secret body" });
    await sim.notificationsIdle();
    const post = receiver.requests.find((request) => !request.query.has("validationToken"));
    const collection = JSON.parse(post?.body ?? "{}") as { validationTokens?: string[]; value?: Array<Record<string, unknown>> };
    expect(collection.validationTokens).toHaveLength(1);
    const token = collection.validationTokens?.[0] ?? "";
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256" });
    expect(decodeJwt(token)).toMatchObject({ aud: "tracker-app", azp: "0bf30f3b-4a52-48df-9a82-234910c4a086", appid: "0bf30f3b-4a52-48df-9a82-234910c4a086", iss: `https://sts.windows.net/${sim.tenantId}/` });
    expect(sim.identity.jwks.keys.map((key) => key.kid)).toContain(decodeProtectedHeader(token).kid);

    const item = collection.value?.[0] ?? {};
    const content = item.encryptedContent as { data: string; dataSignature: string; dataKey: string; encryptionCertificateId: string; encryptionCertificateThumbprint: string };
    expect(content.encryptionCertificateId).toBe("cert-v1");
    expect(content.encryptionCertificateThumbprint).toMatch(/^[0-9A-F]{40}$/);
    const message = opened(content);
    expect(Object.keys(message).sort()).toEqual(SELECT.split(",").sort());
    expect(message).toMatchObject({ id: (item.resourceData as { id: string }).id, subject: "Encrypted hello" });
    expect(JSON.stringify(message.body)).toContain("secret body");
  });

  it("leaves out the properties a fault names (a Graph that does not carry the headers), until cleared", async () => {
    await beta.api("/subscriptions").version("beta").post(richBody());
    sim.faults.resourceDataOmits(["internetMessageHeaders"]);
    try {
      sim.deliverExternal({ to: ["alice@contoso.test"], from: { address: "sender@fabrikam.test" }, subject: "Headers left out" });
      await sim.notificationsIdle();
    } finally {
      sim.faults.clear();
    }
    const post = receiver.requests.find((request) => !request.query.has("validationToken"));
    const item = (JSON.parse(post?.body ?? "{}") as { value?: Array<Record<string, unknown>> }).value?.[0] ?? {};
    const message = opened(item.encryptedContent as { data: string; dataSignature: string; dataKey: string });
    expect(Object.keys(message).sort()).toEqual(SELECT.split(",").filter((name) => name !== "internetMessageHeaders").sort());
  });

  it("a basic subscription's notifications carry neither", async () => {
    await v1.api("/subscriptions").post({ changeType: "created", notificationUrl: receiver.url, resource: `users/${alice}/mailFolders('inbox')/messages`, expirationDateTime: inMinutes(600), clientState: "basic" });
    sim.deliverExternal({ to: ["alice@contoso.test"], from: { address: "sender@fabrikam.test" }, subject: "Plain hello" });
    await sim.notificationsIdle();
    const post = receiver.requests.find((request) => !request.query.has("validationToken"));
    const collection = JSON.parse(post?.body ?? "{}") as Record<string, unknown>;
    expect(collection).not.toHaveProperty("validationTokens");
    expect((collection.value as Array<Record<string, unknown>>)[0]).not.toHaveProperty("encryptedContent");
  });
});
