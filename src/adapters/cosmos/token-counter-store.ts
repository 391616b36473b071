import type { Container } from "@azure/cosmos";
import type { TokenCounterStore } from "../../app/ports.js";
import { toDocumentId } from "./document-ids.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

/** `userNumbers` and `counter:<n>`: a value that only grows through an atomic patch `incr`. */
interface CounterDocument {
  id: string;
  value: number;
}

/** `user:<userId>`: the number the user got on first use. */
interface UserDocument {
  id: string;
  userNumber: number;
}

const USER_NUMBERS_ID = "userNumbers";

/**
 * Tracking-token numbers. Each increment is one server-side patch, so concurrent callers never
 * see the same value; a user number lost in a race for the same user is simply never used.
 */
export function createCosmosTokenCounterStore(container: Container): TokenCounterStore {
  const readUser = async (id: string): Promise<number | undefined> => {
    const resource = await readItem<UserDocument>(container, id, id);
    return resource?.userNumber;
  };

  const createIgnoringConflict = async (document: CounterDocument | UserDocument): Promise<boolean> => {
    try {
      await container.items.create(document);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  };

  const increment = async (id: string): Promise<number> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const { resource } = await container.item(id, id).patch<CounterDocument>([{ op: "incr", path: "/value", value: 1 }]);
        if (typeof resource?.value !== "number") throw new Error(`Counter ${id} has no numeric value after increment`);
        return resource.value;
      } catch (error) {
        if (statusOf(error) !== 404 || attempt > 0) throw error;
      }
      // First use: start at 0 (another caller may create it first; either way it exists now).
      await createIgnoringConflict({ id, value: 0 });
    }
  };

  return {
    getUserNumber: (userId) =>
      translateErrors("getUserNumber", async () => {
        if (userId.trim() === "") throw new RangeError("userId must not be empty");
        const id = toDocumentId(`user:${userId}`);
        const known = await readUser(id);
        if (known !== undefined) return known;
        const userNumber = await increment(USER_NUMBERS_ID);
        if (await createIgnoringConflict({ id, userNumber })) return userNumber;
        const winner = await readUser(id);
        if (winner === undefined) throw new Error(`User number for ${userId} conflicted on create but cannot be read`);
        return winner;
      }),
    nextCounter: (userNumber) =>
      translateErrors("nextCounter", () => {
        if (!Number.isSafeInteger(userNumber) || userNumber < 1) {
          throw new RangeError(`userNumber must be a positive integer, got ${String(userNumber)}`);
        }
        return increment(`counter:${userNumber}`);
      }),
  };
}
