import type { Container } from "@azure/cosmos";
import type { ActivityStore } from "../../app/ports.js";
import type { EmailActivity } from "../../domain/types.js";
import { fromDocumentId, toDocumentId, withoutSystemProperties } from "./document-ids.js";
import { fitDocumentSize } from "./document-size.js";
import { statusOf, translateErrors } from "./errors.js";

/**
 * Activities keyed by their deterministic id (partition key /id): creating is a single `create`,
 * and Cosmos DB's 409 on a second create is what makes tracking exactly-once.
 */
export function createCosmosActivityStore(container: Container): ActivityStore {
  const read = async (id: string): Promise<EmailActivity | undefined> => {
    const documentId = toDocumentId(id);
    try {
      const { resource } = await container.item(documentId, documentId).read<EmailActivity>();
      return resource ? toActivity(resource) : undefined;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  return {
    createActivity: (activity) =>
      translateErrors("createActivity", async () => {
        const fitted = fitDocumentSize(activity);
        const document = { ...fitted, id: toDocumentId(fitted.id) };
        // A create that lost the race reads the winner; if that one vanished meanwhile, try again.
        for (let attempt = 0; attempt < 3; attempt++) {
          try {
            await container.items.create(document);
            return { created: true, activity: fitted };
          } catch (error) {
            if (statusOf(error) !== 409) throw error;
          }
          const stored = await read(activity.id);
          if (stored) return { created: false, activity: stored };
        }
        throw new Error(`Activity ${activity.id} keeps conflicting on create but cannot be read`);
      }),
    getActivity: (id) => translateErrors("getActivity", () => read(id)),
  };
}

function toActivity(resource: EmailActivity): EmailActivity {
  const activity = withoutSystemProperties(resource);
  return { ...activity, id: fromDocumentId(activity.id) };
}
