// The Graph calls outgoing email and tracking-on-request make, against the Graph simulator:
// a draft with a chosen Message-ID, sending it, finding messages by Message-ID, folder ids.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GraphFailure } from "../../src/app/errors.js";
import { messagesByInternetMessageIdUrl, draftBody } from "../../src/adapters/graph/graph-requests.js";
import type { GraphGateway } from "../../src/adapters/graph/index.js";
import type { GraphSimulator } from "../../local/graph-simulator/index.js";
import { startSimulator } from "../support/admin-fixture.js";

let sim: GraphSimulator;
let gateway: GraphGateway;
const ANN = "ann@contoso.test";
beforeAll(async () => {
  ({ sim, gateway } = await startSimulator());
  sim.addMailbox({ address: ANN });
});
afterAll(async () => {
  await gateway?.close();
  await sim?.close();
});

describe("requests", () => {
  it.each([
    ["<a@b.example>", "internetMessageId eq '<a@b.example>'"],
    ["a@b.example", "internetMessageId eq '<a@b.example>'"],
    ["<o'neil@b.example>", "internetMessageId eq '<o''neil@b.example>'"],
  ])("finds %s with $filter %s", (id, filter) => {
    const url = new URL(`https://graph.example${messagesByInternetMessageIdUrl("ann@contoso.com", id)}`);
    expect(url.pathname).toBe("/users/ann%40contoso.com/messages");
    expect(url.searchParams.get("$filter")).toBe(filter);
  });

  it("puts Bcc and a chosen Message-ID in the draft only when given", () => {
    const message = { subject: "s", body: { contentType: "text" as const, content: "b" }, toRecipients: ["a@b.example"] };
    expect(draftBody(message)).not.toHaveProperty("bccRecipients");
    expect(draftBody(message)).not.toHaveProperty("internetMessageId");
    expect(draftBody({ ...message, bccRecipients: ["c@d.example"], internetMessageId: "<x@y.example>" })).toMatchObject({
      bccRecipients: [{ emailAddress: { address: "c@d.example" } }],
      internetMessageId: "<x@y.example>",
    });
  });
});

describe("against the simulator", () => {
  it("creates a draft with the chosen Message-ID, finds it as a draft, sends it, then finds it sent in Sent Items", async () => {
    const internetMessageId = `<tracked.${Date.now()}@contoso.test>`;
    const draft = await gateway.createDraft(ANN, { subject: "Hello", body: { contentType: "text", content: "x" }, toRecipients: ["carol@fabrikam.example"], bccRecipients: ["eve@fabrikam.example"], internetMessageId });
    expect(draft.internetMessageId).toBe(internetMessageId);
    expect(await gateway.findMessagesByInternetMessageId(ANN, internetMessageId)).toEqual([expect.objectContaining({ id: draft.id, isDraft: true })]);
    await gateway.sendDraft(ANN, draft.id);
    const sentItems = await gateway.getFolderId(ANN, "sentitems");
    expect(await gateway.findMessagesByInternetMessageId(ANN, internetMessageId)).toEqual([expect.objectContaining({ id: draft.id, isDraft: false, parentFolderId: sentItems })]);
    expect(await gateway.findMessagesByInternetMessageId(ANN, "<nobody@nowhere.example>")).toEqual([]);
    // Sending it again is refused by Graph: a draft is sent once.
    await expect(gateway.sendDraft(ANN, draft.id)).rejects.toBeInstanceOf(GraphFailure);
  });

  it("reports an unknown mailbox as notFound", async () => {
    await expect(gateway.getFolderId("nobody@contoso.test", "inbox")).rejects.toMatchObject({ code: "notFound" });
    await expect(gateway.findMessagesByInternetMessageId("nobody@contoso.test", "<a@b.example>")).rejects.toMatchObject({ code: "notFound" });
  });
});
