// Each mailbox's health in the `itemLog` container (partition key /mailbox, id "health"), beside
// the mailbox's item-log entries and processed markers (mailbox-batch-store.ts writes the three
// together); `ttl: -1` keeps it from the container's default expiry. The
// document is flat — one top-level property per leaf, named by its path joined with "|"
// ("folders|inbox|skipped|rejectedByFilter") — so every blind change is a patch `set` or `incr`
// on a property of the root, whose parent always exists, whatever folders and reasons appear.
// Changes that depend on what is stored (a completed catch-up) replace the document If-Match.
import type { Container, PatchOperation } from "@azure/cosmos";
import type { HealthStore } from "../../app/ports.js";
import { applyHealthChanges, emptyHealth, type HealthChange, type MailboxHealth } from "../../domain/health.js";
import { normalizeAddress } from "../../domain/address.js";
import { statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

export const HEALTH_ID = "health";
/** Cosmos DB takes at most 10 operations per patch. */
const MAX_PATCH_OPERATIONS = 10;
const MAX_UPDATE_ATTEMPTS = 10;
const SEPARATOR = "|";

export type HealthDocument = { id: string; mailbox: string; ttl?: number; _etag?: string } & Record<string, unknown>;

/** The stored form of a mailbox's health (flat, never expiring). */
export function healthDocument(mailbox: string, health: MailboxHealth): HealthDocument {
  return { id: HEALTH_ID, mailbox, ttl: -1, ...flattenHealth(health) };
}

function flatKey(path: readonly string[]): string {
  for (const segment of path) {
    if (segment.length === 0 || segment.includes(SEPARATOR)) throw new RangeError(`health path segment ${JSON.stringify(segment)} is empty or contains "${SEPARATOR}"`);
  }
  return path.join(SEPARATOR);
}

/** JSON Pointer (RFC 6901) of a root property. */
const pointer = (key: string) => `/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;

/** The nested health as leaves: the inverse of fromDocument. */
export function flattenHealth(health: MailboxHealth): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  if (health.lastSuccessfulSyncAt !== undefined) flat.lastSuccessfulSyncAt = health.lastSuccessfulSyncAt;
  if (health.resync !== undefined) flat.resync = health.resync;
  for (const [folder, state] of Object.entries(health.folders)) {
    const base = ["folders", folder];
    for (const [field, value] of Object.entries(state)) {
      if (field === "gaps" || field === "skipped") {
        for (const [key, inner] of Object.entries(value as Record<string, unknown>)) flat[flatKey([...base, field, key])] = inner;
      } else {
        flat[flatKey([...base, field])] = value;
      }
    }
    // A folder with nothing but zero counts still exists.
    flat[flatKey([...base, "tracked"])] = state.tracked;
  }
  return flat;
}

export function fromDocument(document: HealthDocument): MailboxHealth {
  const changes: HealthChange[] = Object.entries(document)
    .filter(([key]) => key !== "id" && key !== "mailbox" && !key.startsWith("_") && key !== "ttl")
    .map(([key, value]) => ({ op: "set", path: key.split(SEPARATOR), value }));
  return applyHealthChanges(emptyHealth(document.mailbox), changes);
}

export function createCosmosHealthStore(container: Container): HealthStore {
  async function read(mailbox: string): Promise<HealthDocument | undefined> {
    return readItem<HealthDocument>(container, HEALTH_ID, mailbox);
  }

  async function applyChanges(mailbox: string, changes: readonly HealthChange[]): Promise<void> {
    const key = normalizeAddress(mailbox);
    const operations: PatchOperation[] = changes.map((change) =>
      change.op === "set" ? { op: "set", path: pointer(flatKey(change.path)), value: change.value } : { op: "incr", path: pointer(flatKey(change.path)), value: change.by },
    );
    for (let start = 0; start < operations.length; start += MAX_PATCH_OPERATIONS) {
      const chunk = operations.slice(start, start + MAX_PATCH_OPERATIONS);
      for (let attempt = 0; ; attempt++) {
        try {
          await container.item(HEALTH_ID, key).patch(chunk);
          break;
        } catch (error) {
          if (statusOf(error) !== 404 || attempt > 0) throw error;
        }
        // First change of this mailbox: create the document, then patch it (409: someone else created it).
        try {
          await container.items.create({ id: HEALTH_ID, mailbox: key, ttl: -1 });
        } catch (error) {
          if (statusOf(error) !== 409) throw error;
        }
      }
    }
  }

  async function updateHealth(mailbox: string, update: (current: MailboxHealth) => MailboxHealth): Promise<MailboxHealth> {
    const key = normalizeAddress(mailbox);
    for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
      const stored = await read(key);
      const next = update(stored ? fromDocument(stored) : emptyHealth(key));
      const document = healthDocument(key, next);
      try {
        if (stored) await container.item(HEALTH_ID, key).replace(document, { accessCondition: { type: "IfMatch", condition: stored._etag ?? "" } });
        else await container.items.create(document);
        return next;
      } catch (error) {
        const status = statusOf(error);
        // Someone changed (or created) it meanwhile: read again and redo the update on theirs.
        if (status !== 412 && status !== 409) throw error;
      }
    }
    throw new Error(`the health of ${key} kept changing during ${MAX_UPDATE_ATTEMPTS} attempts to update it`);
  }

  return {
    getHealth: (mailbox) =>
      translateErrors("getHealth", async () => {
        const document = await read(normalizeAddress(mailbox));
        return document ? fromDocument(document) : undefined;
      }),
    applyChanges: (mailbox, changes) => translateErrors("applyHealthChanges", () => applyChanges(mailbox, changes)),
    updateHealth: (mailbox, update) => translateErrors("updateHealth", () => updateHealth(mailbox, update)),
    listHealth: () =>
      translateErrors("listHealth", async () => {
        const { resources } = await container.items.query<HealthDocument>({ query: "SELECT * FROM c WHERE c.id = @id", parameters: [{ name: "@id", value: HEALTH_ID }] }).fetchAll();
        return resources.map(fromDocument).sort((a, b) => a.mailbox.localeCompare(b.mailbox));
      }),
  };
}
