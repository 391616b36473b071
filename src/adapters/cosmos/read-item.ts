// The one point read of the Cosmos adapter: an item that does not exist is `undefined`, not an
// error. The SDK answers a missing item with status 404 (in the response or as a thrown error,
// depending on the version and path); every other failure is thrown unchanged, for the caller's
// error translation. `_etag` is the item's version for a conditional write (from the response
// header where a server leaves it out of the body).
import type { Container, ItemDefinition, PartitionKey, Resource } from "@azure/cosmos";
import { statusOf } from "./errors.js";

export async function readItem<T extends ItemDefinition>(
  container: Container,
  id: string,
  partitionKey: PartitionKey,
): Promise<(T & Resource) | undefined> {
  try {
    const { resource, etag } = await container.item(id, partitionKey).read<T>();
    if (resource && resource._etag === undefined && etag) resource._etag = etag;
    return resource;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
