import type { Container } from "@azure/cosmos";
import type { OutgoingEmail, OutgoingEmailStore } from "../../app/ports.js";
import { fromDocumentId, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

const MAX_UPDATE_ATTEMPTS = 20;

/**
 * Outgoing emails (partition key /id), one document each, changed only by read + replace
 * If-Match: two workers can never both move one email from Pending Send to Sending.
 */
export function createCosmosOutgoingStore(container: Container): OutgoingEmailStore {
  const readDocument = async (id: string): Promise<{ email: OutgoingEmail; etag: string } | undefined> => {
    const documentId = toDocumentId(id);
    const resource = await readItem<OutgoingEmail>(container, documentId, documentId);
    return resource ? { email: toEmail(resource), etag: resource._etag } : undefined;
  };

  return {
    createOutgoing: (email) =>
      translateErrors("createOutgoing", async () => {
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await container.items.create({ ...email, id: toDocumentId(email.id) });
            return { created: true, email };
          } catch (error) {
            if (statusOf(error) !== 409) throw error;
          }
          const stored = await readDocument(email.id);
          if (stored) return { created: false, email: stored.email };
        }
        throw new Error(`Outgoing email ${email.id} keeps conflicting on create but cannot be read`);
      }),
    getOutgoing: (id) => translateErrors("getOutgoing", async () => (await readDocument(id))?.email),
    updateOutgoing: (id, update) =>
      translateErrors("updateOutgoing", async () => {
        for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
          const stored = await readDocument(id);
          if (!stored) return undefined;
          const next = update(stored.email);
          if (!next) return stored.email;
          const documentId = toDocumentId(id);
          try {
            await container.item(documentId, documentId).replace({ ...next, id: documentId }, { accessCondition: { type: "IfMatch", condition: stored.etag } });
            return { ...next, id: stored.email.id };
          } catch (error) {
            const status = statusOf(error);
            if (status === 412) continue;
            if (status === 404) return undefined;
            throw error;
          }
        }
        throw new Error(`Outgoing email ${id} kept changing during ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
      }),
  };
}

function toEmail(resource: OutgoingEmail): OutgoingEmail {
  const email = withoutSystemProperties(resource);
  return { ...email, id: fromDocumentId(email.id) };
}
