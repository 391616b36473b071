// /api/admin/settings through the local stack: every setting read and written, ETag / If-Match,
// the prefix history, the token preview, bad input as problem+json naming the field, and a change
// reaching the very next email with no restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ORGANIZATION_SETTINGS } from "../../src/domain/settings.js";
import { trackingEvents, type TrackingDecisionEvent } from "../../src/host/services.js";
import { buildRecord } from "../support/builders.js";
import { startApiStack, type ApiClient } from "./api-support.js";

const ADMIN = { roles: ["Tracking.Admin"] };
const READER = { roles: ["Tracking.Read"] };
const PATH = "/admin/settings/organization";

let api: ApiClient;
const decisions: TrackingDecisionEvent[] = [];
beforeAll(async () => {
  api = await startApiStack();
  trackingEvents.on("decision", (decision) => decisions.push(decision));
});
afterAll(async () => {
  await api?.stack.close();
});

async function read() {
  const answer = await api.call("GET", PATH, READER);
  expect(answer.status).toBe(200);
  return { settings: answer.body as Record<string, unknown>, etag: answer.headers.get("etag") ?? "" };
}

async function patch(body: unknown, etag: string) {
  return api.call("PATCH", PATH, { ...ADMIN, body, headers: { "if-match": etag } });
}

describe("reading and updating", () => {
  it("returns every setting of the settings table with an ETag", async () => {
    const { settings, etag } = await read();
    expect(Object.keys(settings).sort()).toEqual(ORGANIZATION_SETTINGS.map((definition) => definition.key).sort());
    expect(etag).toMatch(/^".+"$/);
  });

  it("updates against If-Match: 428 without it, 412 when someone saved first", async () => {
    const first = await read();
    expect((await api.call("PATCH", PATH, { ...ADMIN, body: { hashMaxCount: 30 } })).status).toBe(428);
    const saved = await patch({ hashMaxCount: 30 }, first.etag);
    expect(saved.status).toBe(200);
    expect((saved.body as { hashMaxCount: number }).hashMaxCount).toBe(30);
    const newEtag = saved.headers.get("etag");
    expect(newEtag).not.toBe(first.etag);
    const stale = await patch({ hashMaxCount: 40 }, first.etag);
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ status: 412, errors: [{ field: "header.If-Match" }] });
    expect((await read()).settings["hashMaxCount"]).toBe(30);
    expect((await read()).etag).toBe(newEtag);
  });

  it("puts the old prefix at the front of the prefix history", async () => {
    let current = await read();
    const first = await patch({ trackingTokenPrefix: "ACME:" }, current.etag);
    expect(first.body).toMatchObject({ trackingTokenPrefix: "ACME:", trackingTokenPrefixHistory: ["CRM:"] });
    current = await read();
    const second = await patch({ trackingTokenPrefix: "NEW#" }, current.etag);
    expect(second.body).toMatchObject({ trackingTokenPrefix: "NEW#", trackingTokenPrefixHistory: ["ACME:", "CRM:"] });
    current = await read();
    // Going back to an earlier prefix does not list it as its own history.
    const back = await patch({ trackingTokenPrefix: "CRM:" }, current.etag);
    expect(back.body).toMatchObject({ trackingTokenPrefix: "CRM:", trackingTokenPrefixHistory: ["NEW#", "ACME:"] });
  });

  it("previews the token for the stored and for proposed settings", async () => {
    const stored = await api.call("POST", `${PATH}/tracking-token-preview`, READER);
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual({ prefix: "CRM:", token: "CRM:0001001", largest: "CRM:0999999" });
    const proposed = await api.call("POST", `${PATH}/tracking-token-preview`, {
      ...READER,
      body: { trackingTokenPrefix: "TKN-", trackingTokenBaseNumber: 12, trackingTokenUserDigits: 2, trackingTokenCounterDigits: 4 },
    });
    expect(proposed.body).toEqual({ prefix: "TKN-", token: "TKN-12010001", largest: "TKN-12999999" });
    const bad = await api.call("POST", `${PATH}/tracking-token-preview`, { ...READER, body: { trackingTokenUserDigits: 12 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ field: "trackingTokenUserDigits" }] });
  });
});

describe("bad input gets 4xx problem+json naming the field, and changes nothing", () => {
  it.each([
    ["a prefix ending in a digit", { body: { trackingTokenPrefix: "CRM1" } }, 400, "trackingTokenPrefix"],
    ["a wrong type", { body: { useSmartMatching: "yes" } }, 400, "useSmartMatching"],
    ["an out-of-range number", { body: { hashMaxCount: 1000 } }, 400, "hashMaxCount"],
    ["an unknown field", { body: { trackingTokenPrefx: "X:" } }, 400, "trackingTokenPrefx"],
    ["a regular expression that does not compile", { body: { hashFilterKeywords: "([" } }, 400, "hashFilterKeywords"],
    ["a body that is not an object", { body: [1, 2] }, 400, "body"],
    ["malformed JSON", { rawBody: '{"hashMaxCount": ' }, 400, "body"],
    ["a body that is not JSON", { rawBody: "hashMaxCount=3", contentType: "application/x-www-form-urlencoded" }, 415, "header.Content-Type"],
    ["a huge body", { rawBody: JSON.stringify({ trackingCategory: "x".repeat(2_000_000) }) }, 413, "body"],
  ])("%s", async (_name, request, status, field) => {
    const before = await read();
    const answer = await api.call("PATCH", PATH, { ...ADMIN, ...request, headers: { "if-match": before.etag } });
    expect(answer.status).toBe(status);
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    expect((answer.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field)).toContain(field);
    expect(await read()).toEqual(before);
  });
});

describe("a change reaches the next email, no restart", () => {
  // Dynamics disables an unapproved mailbox with an alert (administration.md §2); once the switch
  // is off, Test & Enable brings it back, and the next email is tracked with no host restart.
  it("holds a pending mailbox's mail back while approval is required, and tracks it once the switch is off and Test & Enable has run", async () => {
    const mailbox = "pending@contoso.example.com";
    const { store, mailboxes } = await api.stack.services();
    await store.records.upsertRecords([buildRecord({ type: "contact", id: "carol", emailAddresses: ["carol@fabrikam.example.org"] })]);
    api.stack.graph.addMailbox({ address: mailbox });
    await mailboxes.enableMailbox({ address: mailbox, incomingEmailFilter: "all", processEmailReceivedAfter: new Date(Date.now() - 60_000).toISOString() });
    await store.settings.putMailbox({ ...(await store.settings.getMailbox(mailbox))!, approvalStatus: "pendingApproval" });
    await api.stack.settle();

    const deliver = async (subject: string) => {
      const delivered = api.stack.graph.deliverExternal({ to: [mailbox], from: { address: "carol@fabrikam.example.org" }, subject });
      await api.stack.settle();
      return decisions.filter((decision) => decision.result.internetMessageId.replace(/^<|>$/g, "") === delivered.internetMessageId.replace(/^<|>$/g, ""));
    };
    const held = await deliver("Held back");
    expect(held.map((decision) => decision.result.reason)).toContain("mailboxNotApproved");

    const disabled = await store.settings.getMailbox(mailbox);
    expect(disabled?.enabled).toBe(false);

    const current = await read();
    expect((await patch({ processEmailOnlyForApprovedUsers: false }, current.etag)).status).toBe(200);
    const { mailboxAdmin } = await api.stack.services();
    expect(await mailboxAdmin.testAndEnable(mailbox)).toMatchObject({ ok: true, value: { enabled: true } });
    await api.stack.settle();
    const tracked = await deliver("Tracked now");
    expect(tracked.map((decision) => decision.result.created)).toContain(true);
  });
});
