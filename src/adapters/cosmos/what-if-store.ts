// What-if runs in one container, partition key /runId: everything of a run is one logical
// partition (its state, its texts' pieces), and the replay slots are one small document in a
// partition of their own. A text of any size is cut into pieces well under Cosmos DB's 2 MB item
// limit and published by a head document written last, naming the write's pieces: a reader sees
// a whole text, old or new. Every document carries a `ttl` to the run's expiresOn, so Cosmos DB
// deletes a run and its texts by itself; reads past expiresOn find nothing even before it does.
import { randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import type { SaveResult, Versioned, WhatIfRunStore, WhatIfSlot } from "../../app/ports.js";
import type { WhatIfRunState } from "../../app/what-if-state.js";
import { forEachConcurrently, withoutSystemProperties } from "./document-ids.js";
import { StoreError, statusOf, translateErrors } from "./errors.js";
import { readItem } from "./read-item.js";

/**
 * UTF-16 units per piece. JSON escapes a unit to 6 bytes at most (\u0000), so a piece's item is
 * at most 1.5 MB whatever the text holds, under the 2 MB limit with room for the properties.
 */
export const TEXT_PIECE_UNITS = 256 * 1024;

/** Pieces written or read at once. */
const PIECE_CONCURRENCY = 4;
const SLOT_UPDATE_ATTEMPTS = 10;

const RUN_ID = "run";
const SLOTS_PARTITION = "slots";

interface RunDocument {
  id: typeof RUN_ID;
  runId: string;
  state: WhatIfRunState;
  ttl: number;
}

interface TextHead {
  id: string;
  runId: string;
  writeId: string;
  pieces: number;
  expiresOn: string;
  ttl: number;
}

interface TextPiece {
  id: string;
  runId: string;
  text: string;
  ttl: number;
}

interface SlotsDocument {
  id: typeof SLOTS_PARTITION;
  runId: typeof SLOTS_PARTITION;
  slots: WhatIfSlot[];
}

/**
 * The text in pieces of at most `maxUnits` UTF-16 units; a surrogate pair is never split (a lone
 * half would be a character of its own in JSON). Joined, the pieces are the text.
 */
export function splitText(text: string, maxUnits: number = TEXT_PIECE_UNITS): string[] {
  if (!Number.isInteger(maxUnits) || maxUnits < 2) throw new RangeError(`maxUnits must be an integer of at least 2, got ${String(maxUnits)}`);
  const pieces: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + maxUnits, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Seconds until `expiresOn` (at least one: Cosmos DB takes no ttl of 0). */
function ttlUntil(expiresOn: string): number {
  return Math.max(1, Math.ceil((Date.parse(expiresOn) - Date.now()) / 1000));
}

const headId = (name: string) => `text:${name}`;
const pieceId = (name: string, writeId: string, index: number) => `text:${name}:${writeId}:${index}`;
const ifMatch = (etag: string) => ({ accessCondition: { type: "IfMatch", condition: etag } });

export function createCosmosWhatIfRunStore(container: Container): WhatIfRunStore {
  const runDocument = (state: WhatIfRunState): RunDocument => ({ id: RUN_ID, runId: state.id, state, ttl: ttlUntil(state.expiresOn) });
  const conditional = async (write: () => Promise<{ etag: string }>): Promise<SaveResult> => {
    try {
      return { saved: true, ...(await write()) };
    } catch (error) {
      // 409: created already; 412: changed since it was read; 404: gone (expired).
      const status = statusOf(error);
      if (status === 409 || status === 412 || status === 404) return { saved: false };
      throw error;
    }
  };

  return {
    createRun: (run) =>
      translateErrors("createWhatIfRun", () => conditional(async () => ({ etag: (await container.items.create(runDocument(run))).etag }))),
    getRun: (id, options) =>
      translateErrors("getWhatIfRun", async (): Promise<Versioned<WhatIfRunState> | undefined> => {
        const found = await readItem<RunDocument>(container, RUN_ID, id);
        if (!found || Date.parse(found.state.expiresOn) <= options.now.getTime()) return undefined;
        return { value: found.state, etag: found._etag };
      }),
    replaceRun: (run, options) =>
      translateErrors("replaceWhatIfRun", () =>
        conditional(async () => ({ etag: (await container.item(RUN_ID, run.id).replace(runDocument(run), ifMatch(options.ifMatch))).etag })),
      ),
    putText: (runId, name, text, options) =>
      translateErrors("putWhatIfText", async () => {
        const writeId = randomUUID();
        const ttl = ttlUntil(options.expiresOn);
        const pieces = splitText(text).map((piece, index): TextPiece => ({ id: pieceId(name, writeId, index), runId, text: piece, ttl }));
        await forEachConcurrently(pieces, PIECE_CONCURRENCY, async (piece) => {
          await container.items.create(piece);
        });
        // The head last: until it names this write, readers see the text before it. The pieces of
        // a replaced write are left to their ttl.
        const head: TextHead = { id: headId(name), runId, writeId, pieces: pieces.length, expiresOn: options.expiresOn, ttl };
        await container.items.upsert(head);
      }),
    getText: (runId, name, options) =>
      translateErrors("getWhatIfText", async () => {
        const head = await readItem<TextHead>(container, headId(name), runId);
        if (!head || Date.parse(head.expiresOn) <= options.now.getTime()) return undefined;
        const pieces: string[] = new Array<string>(head.pieces);
        const indexes = Array.from({ length: head.pieces }, (_, index) => index);
        let missing = false;
        await forEachConcurrently(indexes, PIECE_CONCURRENCY, async (index) => {
          const piece = await readItem<TextPiece>(container, pieceId(name, head.writeId, index), runId);
          if (piece) pieces[index] = piece.text;
          else missing = true;
        });
        // The pieces, written just before their head, expire just before it: one missing means the text is going away.
        return missing ? undefined : pieces.join("");
      }),
    updateSlots: (update) =>
      translateErrors("updateWhatIfSlots", async () => {
        for (let attempt = 0; attempt < SLOT_UPDATE_ATTEMPTS; attempt++) {
          const current = await readItem<SlotsDocument>(container, SLOTS_PARTITION, SLOTS_PARTITION);
          const slots = update(current ? withoutSystemProperties(current).slots : []);
          const document: SlotsDocument = { id: SLOTS_PARTITION, runId: SLOTS_PARTITION, slots };
          const saved = await conditional(async () =>
            current ? { etag: (await container.item(SLOTS_PARTITION, SLOTS_PARTITION).replace(document, ifMatch(current._etag))).etag } : { etag: (await container.items.create(document)).etag },
          );
          if (saved.saved) return slots;
        }
        throw new StoreError("conflict", `Cosmos DB updateWhatIfSlots failed: the slots kept changing (${SLOT_UPDATE_ATTEMPTS} attempts)`);
      }),
  };
}
