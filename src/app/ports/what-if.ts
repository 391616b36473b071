// Ports of what-if runs: the run store, replay slots and the mail codec.
import type { GraphMessage } from "../../domain/types.js";
import type { WhatIfRunState } from "../what-if-state.js";
import type { SaveResult, Versioned } from "./common.js";

// ---- What-if runs (src/app/what-if.ts, src/app/what-if-worker.ts) -------------------------------

/** A run holding one of the replay slots until `until` (the limit counts across instances). */
export interface WhatIfSlot {
  runId: string;
  until: string;
}

/**
 * What-if runs, apart from the live data: each run's state (one document, versioned), its texts of
 * any size (the uploaded mail, the results; kept in pieces under the document limit) and the slots.
 * Everything of a run is gone after its `expiresOn` (reads at `now` past it find nothing).
 */
export interface WhatIfRunStore {
  /** `saved: false`: a run with that id exists. */
  createRun(run: WhatIfRunState): Promise<SaveResult>;
  getRun(id: string, options: { now: Date }): Promise<Versioned<WhatIfRunState> | undefined>;
  /** Saves only if the run is still at version `ifMatch` (`saved: false` otherwise, or if it is gone). */
  replaceRun(run: WhatIfRunState, options: { ifMatch: string }): Promise<SaveResult>;
  /** Writing a name again replaces the text at once: a reader sees the old text or the new, never a mix. */
  putText(runId: string, name: string, text: string, options: { expiresOn: string }): Promise<void>;
  getText(runId: string, name: string, options: { now: Date }): Promise<string | undefined>;
  /** Read-modify-write of the slots with optimistic concurrency: `update` may run more than once, and may throw to refuse. */
  updateSlots(update: (slots: WhatIfSlot[]) => WhatIfSlot[]): Promise<WhatIfSlot[]>;
}

/** Recorded mail (.eml, mbox) as Graph-shaped messages: the replay's MIME adapter (src/adapters/mime). */
export interface MailCodec {
  /** Never throws: unreadable input is `ok: false` with a reason. */
  parseEml(source: Buffer): Promise<{ ok: true; message: GraphMessage; date?: Date } | { ok: false; reason: string }>;
  splitMbox(source: Buffer): Buffer[];
  /** The message as Graph lists it in Sent Items. */
  toSentItemsShape(message: GraphMessage): GraphMessage;
}
