import type { Container } from "@azure/cosmos";
import type { SubscriptionRecord, SubscriptionStore } from "../../app/ports.js";
import { canBeDocumentId, fromDocumentId, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";
import { normalizeAddress } from "../../domain/address.js";

/**
 * Graph subscriptions keyed by Graph's subscription id (partition key /id): the notification
 * webhook finds a subscription with one point read. The mailbox is stored lower-cased, as the
 * settings store does, so listing by mailbox is case-insensitive.
 */
export function createCosmosSubscriptionStore(container: Container): SubscriptionStore {
  return {
    getSubscription: (id) =>
      translateErrors("getSubscription", async () => {
        // An id that cannot be stored names no subscription: no request, no error.
        if (!canBeDocumentId(id)) return undefined;
        const documentId = toDocumentId(id);
        const resource = await readItem<SubscriptionRecord>(container, documentId, documentId);
        return resource ? fromDocument(resource) : undefined;
      }),
    putSubscription: (subscription) =>
      translateErrors("putSubscription", async () => {
        const record = ownFields({ ...subscription, mailbox: normalizeAddress(subscription.mailbox) });
        await container.items.upsert({ ...record, id: toDocumentId(record.id) });
      }),
    deleteSubscription: (id) =>
      translateErrors("deleteSubscription", async () => {
        const documentId = toDocumentId(id);
        try {
          await container.item(documentId, documentId).delete();
        } catch (error) {
          // Deleting twice (a lifecycle event and the renewal timer) is not an error.
          if (statusOf(error) !== 404) throw error;
        }
      }),
    // Cross-partition on purpose: this runs from the renewal timer and the CLI over a container
    // of two documents per mailbox, never per email or per notification.
    listSubscriptions: (options = {}) =>
      translateErrors("listSubscriptions", async () => {
        const query =
          options.mailbox === undefined
            ? { query: "SELECT * FROM c" }
            : { query: "SELECT * FROM c WHERE c.mailbox = @mailbox", parameters: [{ name: "@mailbox", value: normalizeAddress(options.mailbox) }] };
        const { resources } = await container.items.query<SubscriptionRecord>(query).fetchAll();
        return resources
          .map(fromDocument)
          .sort((a, b) => a.mailbox.localeCompare(b.mailbox) || a.folder.localeCompare(b.folder) || a.id.localeCompare(b.id));
      }),
  };
}

function fromDocument(document: SubscriptionRecord): SubscriptionRecord {
  const record = ownFields(withoutSystemProperties(document));
  return { ...record, id: fromDocumentId(record.id) };
}

/** Only the record's own fields, in a fixed shape (drops system properties and undefined). */
export function ownFields(source: SubscriptionRecord): SubscriptionRecord {
  const { id, mailbox, folder, resource, expirationDateTime, createdOn, renewedOn, clientStateNonce, clientStateKeyId, folderId, userId, encryptionCertificateId, changeType } = source;
  return {
    id,
    mailbox,
    folder,
    resource,
    expirationDateTime,
    createdOn,
    ...(renewedOn !== undefined && { renewedOn }),
    ...(clientStateNonce !== undefined && { clientStateNonce }),
    ...(clientStateKeyId !== undefined && { clientStateKeyId }),
    ...(encryptionCertificateId !== undefined && { encryptionCertificateId }),
    ...(folderId !== undefined && { folderId }),
    ...(userId !== undefined && { userId }),
    ...(changeType !== undefined && { changeType }),
  };
}
