// The WhatIfRunStore in memory, with the Cosmos adapter's rules (versions, expiry, texts replaced
// whole), held to the same contract suite. One instance shared by several WhatIf services stands
// for the one database several Function instances share.
import type { WhatIfRunStore, WhatIfSlot } from "../../app/ports.js";
import type { WhatIfRunState } from "../../app/what-if-state.js";
import { jsonCopy, turn } from "./tracking-store.js";

export function createMemoryWhatIfRunStore(): WhatIfRunStore {
  const runs = new Map<string, { run: WhatIfRunState; etag: string }>();
  const texts = new Map<string, { text: string; expiresOn: string }>();
  let slots: WhatIfSlot[] = [];
  let version = 0;
  const nextEtag = () => `"${++version}"`;
  const live = (expiresOn: string, now: Date) => Date.parse(expiresOn) > now.getTime();
  const textKey = (runId: string, name: string) => `${runId}\n${name}`;

  return {
    createRun: async (run) => {
      await turn();
      if (runs.has(run.id)) return { saved: false };
      const etag = nextEtag();
      runs.set(run.id, { run: jsonCopy(run), etag });
      return { saved: true, etag };
    },
    getRun: async (id, options) => {
      await turn();
      const found = runs.get(id);
      if (!found || !live(found.run.expiresOn, options.now)) return undefined;
      return { value: jsonCopy(found.run), etag: found.etag };
    },
    replaceRun: async (run, options) => {
      await turn();
      const found = runs.get(run.id);
      if (!found || found.etag !== options.ifMatch) return { saved: false };
      const etag = nextEtag();
      runs.set(run.id, { run: jsonCopy(run), etag });
      return { saved: true, etag };
    },
    putText: async (runId, name, text, options) => {
      await turn();
      texts.set(textKey(runId, name), { text, expiresOn: options.expiresOn });
    },
    getText: async (runId, name, options) => {
      await turn();
      const found = texts.get(textKey(runId, name));
      return found && live(found.expiresOn, options.now) ? found.text : undefined;
    },
    updateSlots: async (update) => {
      await turn();
      // Nothing runs between the read and the write here: `update` runs once.
      slots = jsonCopy(update(jsonCopy(slots)));
      return jsonCopy(slots);
    },
  };
}
