import { describe, expect, it } from "vitest";
import { parseQueueItem } from "../../src/app/process-work.js";

const change = {
  kind: "change",
  subscriptionId: "0f6c2a4e-8d1b-4c3a-9e5f-7a2b1c0d9e8f",
  mailbox: "ann@example.com",
  folder: "inbox",
  folderId: "AAMkFOLDER=",
  messageIds: ["AAMkAD1"],
  acceptedAt: "2026-05-01T10:00:00.000Z",
};

describe("parseQueueItem", () => {
  it.each([
    { name: "a change item", value: change },
    { name: "a change item as JSON text", value: JSON.stringify(change) },
    { name: "a change item without folderId (queued before folder ids)", value: { ...change, folderId: undefined } },
    { name: "a lifecycle item", value: { kind: "lifecycle", subscriptionId: "s", mailbox: "ann@example.com", folder: "inbox", lifecycleEvent: "missed" } },
    { name: "a catch-up item", value: { kind: "catchUp", mailbox: "ann@example.com", folder: "sentitems", reason: "r" } },
    { name: "a maintain (renew) item", value: { kind: "maintain", task: "renew", mailbox: "ann@example.com", requestedAt: "2026-05-01T10:00:00.000Z" } },
    { name: "a maintain (sweep) item", value: { kind: "maintain", task: "sweep", mailbox: "ann@example.com", requestedAt: "2026-05-01T10:00:00.000Z" } },
    { name: "a what-if item", value: { kind: "whatIf", runId: "0f6c2a4e-8d1b-4c3a-9e5f-7a2b1c0d9e8f", mailbox: "ann@example.com", requestedAt: "2026-05-01T10:00:00.000Z" } },
    { name: "a deferred what-if item", value: { kind: "whatIf", runId: "r", mailbox: "ann@example.com", requestedAt: "2026-05-01T10:00:00.000Z", deferrals: 2 } },
  ])("accepts $name", ({ value }) => {
    expect(parseQueueItem(value).ok).toBe(true);
  });

  it.each([
    { name: "message id ..", value: { ...change, messageIds: [".."] } },
    { name: "message id .", value: { ...change, messageIds: ["."] } },
    { name: "an empty message id", value: { ...change, messageIds: [""] } },
    { name: "a message id with a space", value: { ...change, messageIds: ["AAMk AD1"] } },
    { name: "21 message ids", value: { ...change, messageIds: Array.from({ length: 21 }, (_, n) => `M${n}`) } },
    { name: "no message ids", value: { ...change, messageIds: [] } },
    { name: "an empty folderId", value: { ...change, folderId: "" } },
    { name: "another folder", value: { ...change, folder: "junkemail" } },
    { name: "not JSON", value: "{oops" },
    { name: "an unknown kind", value: { ...change, kind: "other" } },
    { name: "a maintain item with an unknown task", value: { kind: "maintain", task: "everything", mailbox: "ann@example.com" } },
    { name: "a maintain item without a mailbox", value: { kind: "maintain", task: "renew", mailbox: "" } },
    { name: "a what-if item without a run id", value: { kind: "whatIf", runId: "", mailbox: "ann@example.com" } },
    { name: "a what-if item with fractional deferrals", value: { kind: "whatIf", runId: "r", mailbox: "ann@example.com", deferrals: 1.5 } },
  ])("refuses $name", ({ value }) => {
    expect(parseQueueItem(value).ok).toBe(false);
  });
});
