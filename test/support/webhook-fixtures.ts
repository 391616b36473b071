// Shared pieces of the webhook tests: an app secret, two subscriptions with their own client
// states, and notification builders in Graph's wire format.
import { createClientStates, type IssuedClientState } from "../../src/app/client-state.js";
import type { SubscriptionRecord } from "../../src/app/ports.js";

export const SECRET = "app-secret-for-client-states-0123456789";
export const OLD_SECRET = "previous-app-secret-for-client-states-987";
export const TENANT = "84bd8158-6d4d-4958-8b9f-9d6445542f95";
export const ANN_USER_ID = "11111111-2222-3333-4444-555555555555";
export const INBOX_ID = "0f6c2a4e-8d1b-4c3a-9e5f-7a2b1c0d9e8f";
export const SENT_ID = "5b7d9f1a-3c5e-4a7b-8d9f-1a3c5e7b9d0f";

export const clientStates = createClientStates([SECRET, OLD_SECRET]);
export const inboxState: IssuedClientState = clientStates.issue();
export const sentState: IssuedClientState = clientStates.issue();
/** A state made with the previous secret (a subscription from before a rotation). */
export const oldState: IssuedClientState = createClientStates([OLD_SECRET]).issue();

function record(id: string, folder: "inbox" | "sentitems", state: IssuedClientState): SubscriptionRecord {
  return {
    id,
    mailbox: "ann@example.com",
    folder,
    resource: `users/ann@example.com/mailFolders('${folder}')/messages`,
    expirationDateTime: "2030-01-01T00:00:00Z",
    createdOn: "2026-01-01T00:00:00Z",
    clientStateNonce: state.nonce,
    clientStateKeyId: state.keyId,
    folderId: `folder-${folder}`,
    userId: ANN_USER_ID,
  };
}

export function subscriptionRecords(): Map<string, SubscriptionRecord> {
  return new Map([
    [INBOX_ID, record(INBOX_ID, "inbox", inboxState)],
    [SENT_ID, record(SENT_ID, "sentitems", sentState)],
  ]);
}

export function changeNotification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const messageId = typeof overrides.messageId === "string" ? overrides.messageId : "AAMkAD1";
  const { messageId: _ignored, ...rest } = overrides;
  return {
    subscriptionId: INBOX_ID,
    subscriptionExpirationDateTime: "2030-01-01T00:00:00Z",
    changeType: "created",
    clientState: inboxState.clientState,
    tenantId: TENANT,
    resource: `Users/${ANN_USER_ID}/Messages/${messageId}`,
    resourceData: { "@odata.type": "#Microsoft.Graph.Message", "@odata.id": `Users/${ANN_USER_ID}/Messages/${messageId}`, id: messageId },
    ...rest,
  };
}

export function lifecycleNotification(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    lifecycleEvent: "missed",
    subscriptionId: INBOX_ID,
    subscriptionExpirationDateTime: "2030-01-01T00:00:00Z",
    clientState: inboxState.clientState,
    tenantId: TENANT,
    ...overrides,
  };
}
