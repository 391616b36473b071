import { describe, expect, it } from "vitest";
import {
  DOCUMENT_BYTES_BUDGET,
  MAX_DOCUMENT_BYTES,
  documentBytes,
  fitDocumentSize,
} from "../../src/adapters/cosmos/document-size.js";
import type { EmailActivity, ResolvedParty } from "../../src/domain/types.js";
import { buildActivity } from "../support/cosmos.js";

const MAX = 20_000;

function parties(prefix: string, count: number): ResolvedParty[] {
  return Array.from({ length: count }, (_, i) => ({ address: `${prefix}${i}@contoso.com`, records: [] }));
}

function withBody(content: string, overrides: Partial<EmailActivity> = {}): EmailActivity {
  return buildActivity({ id: "a1", body: { contentType: "html", content }, ...overrides });
}

describe("fitDocumentSize", () => {
  it("returns the activity itself when it fits", () => {
    const activity = withBody("short");
    expect(fitDocumentSize(activity, { maxBytes: MAX })).toBe(activity);
  });

  it("uses a default budget below Cosmos DB's 2 MB item limit", () => {
    expect(DOCUMENT_BYTES_BUDGET).toBeLessThan(MAX_DOCUMENT_BYTES);
    expect(MAX_DOCUMENT_BYTES).toBe(2 * 1024 * 1024);
    const fitted = fitDocumentSize(withBody("x".repeat(2.5 * 1024 * 1024)));
    expect(documentBytes(fitted)).toBeLessThanOrEqual(DOCUMENT_BYTES_BUDGET);
    expect(fitted.bodyTruncated).toBe(true);
  });

  it.each([
    ["plain ASCII", "a".repeat(50_000)],
    ["characters JSON escapes", '"quoted"\n\t\\ \u0001'.repeat(5_000)],
    ["multi-byte characters", "é€漢".repeat(10_000)],
    ["surrogate pairs", "😀".repeat(20_000)],
    ["HTML", '<p class="x">Hello &amp; <b>bye</b></p>\r\n'.repeat(2_000)],
  ])("cuts a body of %s to the longest prefix that fits", (_, content) => {
    const activity = withBody(content);
    const fitted = fitDocumentSize(activity, { maxBytes: MAX });
    const kept = fitted.body!.content;

    expect(fitted.bodyTruncated).toBe(true);
    expect(fitted.recipientsTruncated).toBe(false);
    expect(documentBytes(fitted)).toBeLessThanOrEqual(MAX);
    expect(content.startsWith(kept)).toBe(true);
    expect(kept.length).toBeGreaterThan(0);
    // Never ends inside a surrogate pair.
    expect(/[\uD800-\uDBFF]$/.test(kept)).toBe(false);
    // Maximal: one more whole character would not fit.
    const nextLength = kept.length + (content.codePointAt(kept.length)! > 0xffff ? 2 : 1);
    expect(documentBytes({ ...fitted, body: { ...fitted.body!, content: content.slice(0, nextLength) } })).toBeGreaterThan(MAX);
  });

  it("keeps everything but the body content unchanged when cutting the body is enough", () => {
    const activity = withBody("b".repeat(50_000), { toRecipients: parties("to", 3) });
    const { body, bodyTruncated, ...rest } = fitDocumentSize(activity, { maxBytes: MAX });
    const { body: originalBody, bodyTruncated: originalFlag, ...originalRest } = activity;
    expect(rest).toEqual(originalRest);
    expect(body?.contentType).toBe(originalBody?.contentType);
    expect([bodyTruncated, originalFlag]).toEqual([true, false]);
  });

  it("does not modify the activity it is given", () => {
    const activity = withBody("b".repeat(50_000), { toRecipients: parties("to", 2_000) });
    const copy = structuredClone(activity);
    fitDocumentSize(activity, { maxBytes: MAX });
    expect(activity).toEqual(copy);
  });

  it.each([
    { case: "To only", to: 2_000, cc: 0, bcc: 0 },
    { case: "To and Cc", to: 100, cc: 2_000, bcc: 0 },
    { case: "every list", to: 50, cc: 50, bcc: 2_000 },
  ])("keeps the first recipients ($case) when there is no body to cut", ({ to, cc, bcc }) => {
    const activity = buildActivity({
      id: "a1",
      body: undefined,
      toRecipients: parties("to", to),
      ccRecipients: parties("cc", cc),
      bccRecipients: parties("bcc", bcc),
    });
    const fitted = fitDocumentSize(activity, { maxBytes: MAX });
    const original = [...activity.toRecipients, ...activity.ccRecipients, ...activity.bccRecipients];
    const kept = [...fitted.toRecipients, ...fitted.ccRecipients, ...fitted.bccRecipients];

    expect(fitted.recipientsTruncated).toBe(true);
    expect(fitted.bodyTruncated).toBe(false);
    expect(documentBytes(fitted)).toBeLessThanOrEqual(MAX);
    expect(kept).toEqual(original.slice(0, kept.length));
    expect(kept.length).toBeGreaterThan(0);
    expect(fitted.toRecipients).toEqual(activity.toRecipients.slice(0, fitted.toRecipients.length));
    // Cc is only cut once To is whole, Bcc once Cc is whole.
    if (fitted.ccRecipients.length > 0) expect(fitted.toRecipients).toHaveLength(to);
    if (fitted.bccRecipients.length > 0) expect(fitted.ccRecipients).toHaveLength(cc);
  });

  it("empties the body and then cuts recipients when both are too large", () => {
    const activity = withBody("b".repeat(50_000), { toRecipients: parties("to", 2_000) });
    const fitted = fitDocumentSize(activity, { maxBytes: MAX });
    expect(fitted.body?.content).toBe("");
    expect([fitted.bodyTruncated, fitted.recipientsTruncated]).toEqual([true, true]);
    expect(documentBytes(fitted)).toBeLessThanOrEqual(MAX);
  });

  it("keeps the most recent 32 references when body and recipients are not enough", () => {
    const references = Array.from({ length: 2_000 }, (_, i) => `ref-${i}@mail.contoso.com`);
    const activity = buildActivity({ id: "a1", body: undefined, references });
    const fitted = fitDocumentSize(activity, { maxBytes: MAX });
    expect(fitted.references).toEqual(references.slice(-32));
    expect(documentBytes(fitted)).toBeLessThanOrEqual(MAX);
  });

  it("cuts an enormous subject last", () => {
    const activity = buildActivity({ id: "a1", body: undefined, subject: "s".repeat(50_000) });
    const fitted = fitDocumentSize(activity, { maxBytes: MAX });
    expect(fitted.subject).toBe("s".repeat(1024));
    expect(documentBytes(fitted)).toBeLessThanOrEqual(MAX);
  });

  it.each([0, -1, 1.5, Number.NaN])("rejects maxBytes %s", (maxBytes) => {
    expect(() => fitDocumentSize(withBody("x"), { maxBytes })).toThrow(RangeError);
  });
});
