import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientCertificateCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { createLocalCertificate } from "../../local/certificates.js";
import {
  connectTestClient,
  startGraphSimulator,
  testCredential,
} from "../../local/graph-simulator/index.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(sim: GraphSimulator, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = https.request(new URL(path, sim.baseUrl), { method, headers, ca: sim.ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

let sim: GraphSimulator;
let client: Client;
let token: string;
let alice: string;
let bob: string;

beforeAll(async () => {
  sim = await startGraphSimulator();
  alice = sim.addMailbox({ address: "alice@contoso.test", displayName: "Alice" });
  bob = sim.addMailbox({ address: "bob@contoso.test", displayName: "Bob" });
  const credential = testCredential(sim);
  token = (await credential.getToken("https://graph.microsoft.com/.default")).token;
  client = connectTestClient(sim, credential);
});

afterAll(async () => {
  await sim.close();
});

describe("token endpoint and authentication", () => {
  it("issues a bearer token through a real ClientSecretCredential", async () => {
    expect(token.split(".")).toHaveLength(3);
    expect(sim.stats.tokensIssued).toBeGreaterThanOrEqual(1);
  });

  it("serves the OpenID configuration for its tenant", async () => {
    const response = await raw(sim, "GET", `/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    const config = JSON.parse(response.body) as { token_endpoint: string; issuer: string };
    expect(config.token_endpoint).toBe(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`);
    expect(config.issuer).toBe(`${sim.authorityHost}/${sim.tenantId}/v2.0`);
  });

  it.each([
    { name: "an unknown tenant", tenant: "other-tenant", form: "grant_type=client_credentials&client_id=a&client_secret=b", status: 400, error: "invalid_request" },
    { name: "a missing secret", tenant: "", form: "grant_type=client_credentials&client_id=a", status: 401, error: "invalid_client" },
    { name: "another grant type", tenant: "", form: "grant_type=password&client_id=a&client_secret=b", status: 400, error: "unsupported_grant_type" },
  ])("rejects a token request with $name", async ({ tenant, form, status, error }) => {
    const response = await raw(sim, "POST", `/${tenant || sim.tenantId}/oauth2/v2.0/token`, { "content-type": "application/x-www-form-urlencoded" }, form);
    expect(response.status).toBe(status);
    expect((JSON.parse(response.body) as { error: string }).error).toBe(error);
  });

  it("answers a client_assertion grant whose subject is the client id", async () => {
    const payload = Buffer.from(JSON.stringify({ sub: "cert-app", aud: "x" })).toString("base64url");
    const form = `grant_type=client_credentials&client_id=cert-app&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=h.${payload}.s`;
    const response = await raw(sim, "POST", `/${sim.tenantId}/oauth2/v2.0/token`, { "content-type": "application/x-www-form-urlencoded" }, form);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599 });
  });

  it("issues a token to a real ClientCertificateCredential (signed client_assertion)", async () => {
    const { key, cert } = await createLocalCertificate({ commonName: "tracker-app" });
    const credential = new ClientCertificateCredential(sim.tenantId, "cert-app", { certificate: `${key}\n${cert}` }, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sim.ca },
    });
    const issued = await credential.getToken("https://graph.microsoft.com/.default");
    const payload = JSON.parse(Buffer.from(issued.token.split(".")[1] ?? "", "base64url").toString("utf8")) as { appid: string };
    expect(payload.appid).toBe("cert-app");
  });

  it.each([
    { name: "no Authorization header", headers: {} as Record<string, string>, message: "Access token is empty." },
    { name: "a token the simulator never issued", headers: { authorization: "Bearer forged.token.value" }, message: "Access token validation failure. Invalid audience." },
  ])("answers 401 InvalidAuthenticationToken with $name", async ({ headers, message }) => {
    const response = await raw(sim, "GET", `/v1.0/users/${alice}`, headers);
    const body = JSON.parse(response.body) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(response.status).toBe(401);
    expect(body.error.code).toBe("InvalidAuthenticationToken");
    expect(body.error.message).toBe(message);
    expect(body.error.innerError["request-id"]).toBe(response.headers["request-id"]);
  });
});

describe("messages", () => {
  it("returns internetMessageHeaders only when selected, for an Inbox message", async () => {
    const delivered = sim.deliverExternal({
      to: ["alice@contoso.test"],
      from: { address: "carol@fabrikam.test", name: "Carol" },
      subject: "Quote request",
      body: "Please send a quote",
      headers: [{ name: "Auto-Submitted", value: "auto-generated" }],
    });
    const id = delivered.deliveries[0]?.messageId ?? "";
    const plain = (await client.api(`/users/${alice}/messages/${id}`).get()) as Record<string, unknown>;
    const selected = (await client
      .api(`/users/alice@contoso.test/messages/${id}`)
      .select("subject,internetMessageHeaders,conversationIndex")
      .get()) as { subject: string; internetMessageHeaders: { name: string; value: string }[]; conversationIndex: string };

    expect(plain).not.toHaveProperty("internetMessageHeaders");
    expect(plain).toHaveProperty("body");
    expect(Object.keys(selected).sort()).toEqual(["@odata.context", "@odata.etag", "conversationIndex", "id", "internetMessageHeaders", "subject"]);
    const headers = new Map(selected.internetMessageHeaders.map((header) => [header.name, header.value]));
    expect(headers.get("Message-ID")).toBe(delivered.internetMessageId);
    expect(headers.get("Auto-Submitted")).toBe("auto-generated");
    expect(headers.get("Thread-Index")).toBe(selected.conversationIndex);
    expect(Buffer.from(selected.conversationIndex, "base64")).toHaveLength(22);
  });

  it("threads a reply under a known parent: conversationIndex grows by 5 bytes", async () => {
    const parent = sim.deliverExternal({ to: ["alice@contoso.test"], from: { address: "dan@fabrikam.test" }, subject: "Order 42" });
    const reply = sim.deliverExternal({
      to: ["alice@contoso.test"],
      from: { address: "dan@fabrikam.test" },
      subject: "RE: Order 42",
      headers: [
        { name: "In-Reply-To", value: parent.internetMessageId },
        { name: "References", value: parent.internetMessageId },
      ],
    });
    const [parentMessage, replyMessage] = await Promise.all(
      [parent, reply].map(
        (delivery) =>
          client.api(`/users/${alice}/messages/${delivery.deliveries[0]?.messageId ?? ""}`).select("conversationIndex,conversationId").get() as Promise<{
            conversationIndex: string;
            conversationId: string;
          }>,
      ),
    );
    const parentBytes = Buffer.from(parentMessage?.conversationIndex ?? "", "base64");
    const replyBytes = Buffer.from(replyMessage?.conversationIndex ?? "", "base64");
    expect(replyBytes).toHaveLength(27);
    expect(replyBytes.subarray(0, 22).equals(parentBytes)).toBe(true);
    expect(replyMessage?.conversationId).toBe(parentMessage?.conversationId);
  });

  it("returns the In-Reply-To, References and Message-ID extended properties when expanded", async () => {
    const delivered = sim.deliverExternal({
      to: ["alice@contoso.test"],
      from: { address: "erin@fabrikam.test" },
      subject: "RE: Support case",
      headers: [
        { name: "In-Reply-To", value: "<parent@fabrikam.test>" },
        { name: "References", value: "<root@fabrikam.test> <parent@fabrikam.test>" },
      ],
    });
    const message = (await client
      .api(`/users/${alice}/messages/${delivered.deliveries[0]?.messageId ?? ""}`)
      .select("id")
      .expand("singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039' or id eq 'String 0x1035')")
      .get()) as { singleValueExtendedProperties: { id: string; value: string }[] };
    expect(message.singleValueExtendedProperties).toEqual([
      { id: "String 0x1042", value: "<parent@fabrikam.test>" },
      { id: "String 0x1039", value: "<root@fabrikam.test> <parent@fabrikam.test>" },
      { id: "String 0x1035", value: delivered.internetMessageId },
    ]);
  });

  it("answers 404 ErrorItemNotFound for unknown and deleted messages", async () => {
    const delivered = sim.deliverExternal({ to: ["bob@contoso.test"], from: { address: "x@fabrikam.test" }, subject: "Soon gone" });
    const id = delivered.deliveries[0]?.messageId ?? "";
    sim.deleteMessage(bob, id);
    for (const messageId of ["AAMkAGdoesnotexist", id]) {
      await expect(client.api(`/users/${bob}/messages/${messageId}`).get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorItemNotFound" });
    }
  });

  it("keeps immutable ids across a move, while the REST id changes", async () => {
    const delivered = sim.deliverExternal({ to: ["bob@contoso.test"], from: { address: "y@fabrikam.test" }, subject: "Move me" });
    const immutableId = delivered.deliveries[0]?.messageId ?? "";
    const restBefore = delivered.deliveries[0]?.restId ?? "";
    const moved = sim.moveMessage(bob, immutableId, "archive");

    const byImmutable = (await client
      .api(`/users/${bob}/messages/${immutableId}`)
      .header("Prefer", 'IdType="ImmutableId"')
      .select("subject")
      .get()) as { id: string };
    expect(byImmutable.id).toBe(immutableId);
    expect(moved.restId).not.toBe(restBefore);
    await expect(client.api(`/users/${bob}/messages/${restBefore}`).get()).rejects.toMatchObject({ statusCode: 404 });
    const byRest = (await client.api(`/users/${bob}/messages/${moved.restId}`).select("subject").get()) as { id: string };
    expect(byRest.id).toBe(moved.restId);
  });

  it.each([
    { prefer: 'outlook.body-content-type="text"', contentType: "text", content: "Tea & <cake>" },
    { prefer: undefined, contentType: "html", content: "<html><body>Tea &amp; &lt;cake&gt;</body></html>" },
  ])("renders the body as $contentType with Prefer $prefer", async ({ prefer, contentType, content }) => {
    const delivered = sim.deliverExternal({ to: ["bob@contoso.test"], from: { address: "z@fabrikam.test" }, subject: "Body", body: "Tea & <cake>" });
    let request = client.api(`/users/${bob}/messages/${delivered.deliveries[0]?.messageId ?? ""}`).select("body");
    if (prefer) request = request.header("Prefer", prefer);
    const message = (await request.get()) as { body: { contentType: string; content: string } };
    expect(message.body).toEqual({ contentType, content });
  });

  it("reads a message through its folder path and rejects it under another folder", async () => {
    const delivered = sim.deliverExternal({ to: ["bob@contoso.test"], from: { address: "w@fabrikam.test" }, subject: "Folder path" });
    const id = delivered.deliveries[0]?.messageId ?? "";
    const viaInbox = (await client.api(`/users/${bob}/mailFolders/inbox/messages/${id}`).select("subject").get()) as { subject: string };
    expect(viaInbox.subject).toBe("Folder path");
    await expect(client.api(`/users/${bob}/mailFolders('sentitems')/messages/${id}`).get()).rejects.toMatchObject({ statusCode: 404 });
  });

  it.each(["inbox", "SentItems", "drafts"])("serves the well-known folder %s", async (name) => {
    const folder = (await client.api(`/users/${alice}/mailFolders/${name}`).get()) as { id: string; displayName: string };
    const again = (await client.api(`/users/${alice}/mailFolders/${folder.id}`).get()) as { id: string };
    expect(again.id).toBe(folder.id);
    expect(folder.displayName.replace(/\s/g, "").toLowerCase()).toBe(name.toLowerCase());
  });

  it("answers 404 ErrorInvalidUser for an unknown mailbox", async () => {
    await expect(client.api("/users/nobody@contoso.test/messages/x").get()).rejects.toMatchObject({ statusCode: 404, code: "ErrorInvalidUser" });
  });

  it("counts requests per endpoint and per mailbox", async () => {
    sim.resetStats();
    await client.api(`/users/${alice}/mailFolders/inbox`).get();
    await client.api(`/users/${alice}/mailFolders/inbox`).get();
    expect(sim.stats.requests.byEndpoint["GET /users/{id}/mailFolders/{id}"]).toBe(2);
    expect(sim.stats.requests.byMailbox[alice]).toBe(2);
    expect(sim.stats.requests.total).toBe(2);
  });
});
