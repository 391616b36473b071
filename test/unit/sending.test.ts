// Whether a mailbox may send, and the retry delays of a failed send: pure rules, as tables.
import { describe, expect, it } from "vitest";
import { defaultOrganizationSettings } from "../../src/domain/settings.js";
import { deliveryBackoffInSeconds, mayMailboxSend, outgoingInternetMessageId } from "../../src/domain/sending.js";
import type { MailboxSettings } from "../../src/domain/types.js";

const base: MailboxSettings = {
  address: "ann@contoso.com",
  kind: "user",
  enabled: true,
  incomingSyncMethod: "serverSideSync",
  outgoingSyncMethod: "serverSideSync",
  incomingEmailFilter: "all",
  trackedFolders: [],
};
const org = defaultOrganizationSettings();

describe("mayMailboxSend", () => {
  it.each([
    { case: "an enabled server-side sync mailbox", mailbox: base, organization: org, reason: undefined },
    { case: "approved", mailbox: { ...base, approvalStatus: "approved" as const }, organization: org, reason: undefined },
    { case: "no approval status (configured before approval existed)", mailbox: base, organization: org, reason: undefined },
    { case: "not configured", mailbox: undefined, organization: org, reason: /not configured/ },
    { case: "outgoing method None", mailbox: { ...base, outgoingSyncMethod: "none" as const }, organization: org, reason: /outgoing email method is None/ },
    { case: "disabled", mailbox: { ...base, enabled: false }, organization: org, reason: /disabled/ },
    { case: "pending approval", mailbox: { ...base, approvalStatus: "pendingApproval" as const }, organization: org, reason: /not approved \(pendingApproval\)/ },
    { case: "a rejected queue", mailbox: { ...base, kind: "queue" as const, approvalStatus: "rejected" as const }, organization: org, reason: /not approved/ },
    { case: "pending approval, approval off for users", mailbox: { ...base, approvalStatus: "pendingApproval" as const }, organization: { ...org, processEmailOnlyForApprovedUsers: false }, reason: undefined },
    { case: "a pending queue, approval off for queues only", mailbox: { ...base, kind: "queue" as const, approvalStatus: "pendingApproval" as const }, organization: { ...org, processEmailOnlyForApprovedQueues: false }, reason: undefined },
  ])("$case", ({ mailbox, organization, reason }) => {
    const permission = mayMailboxSend(mailbox, organization);
    if (reason === undefined) expect(permission).toEqual({ ok: true });
    else expect(permission).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
  });
});

describe("deliveryBackoffInSeconds", () => {
  it.each([
    [1, 30, 30],
    [2, 30, 60],
    [3, 30, 120],
    [4, 30, 240],
    [6, 30, 900],
    [20, 30, 900],
    [0, 30, 30],
    [2, 0, 0],
  ])("attempt %i with base %i s waits %i s", (attempt, baseInSeconds, expected) => {
    expect(deliveryBackoffInSeconds(attempt, { baseInSeconds })).toBe(expected);
  });
});

describe("outgoingInternetMessageId", () => {
  it.each([
    ["abc-123", "ann@contoso.com", "<tracked.abc-123@contoso.com>"],
    ["id1", "no-domain", "<tracked.id1@localhost>"],
  ])("%s from %s is %s", (outgoingId, mailbox, expected) => {
    expect(outgoingInternetMessageId({ outgoingId, mailbox })).toBe(expected);
  });

  it.each(["x_y", "a/b", "", "a".repeat(65)])("refuses the id %j rather than change it (two emails must never share a Message-ID)", (outgoingId) => {
    expect(() => outgoingInternetMessageId({ outgoingId, mailbox: "ann@contoso.com" })).toThrow(RangeError);
  });
});
