// Delta queries on a folder's messages: skip and delta tokens, pages, `@removed` entries.
import { randomBytes } from "node:crypto";
import type { SimFolder, SimMailbox } from "./mail-store.js";
import { renderMessage } from "./message-view.js";
import { graphError, jsonResponse, parsePrefer } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import type { SimContext } from "./context.js";
import { takeFault } from "./faults.js";
import type { MessageRoutes } from "./message-routes.js";

interface DeltaState {
  kind: "skip" | "delta";
  mailboxId: string;
  folderId: string;
  select: string[] | undefined;
  extendedPropertyIds: string[] | undefined;
  immutableIds: boolean;
  pageSize: number;
  /** Remaining page items (skip tokens only). */
  items: DeltaItem[];
  /** Change-log position this round is synchronized to. */
  seq: number;
}

type DeltaItem = { kind: "upsert"; immutableId: string } | { kind: "removed"; id: string };

export function createDeltaRoutes(ctx: SimContext, { viewOptionsFor }: MessageRoutes) {
  const { store, options, faultState } = ctx;
  const deltaStates = new Map<string, DeltaState>();

  function syncStateNotFound(request: SimRequest): SimResponse {
    return graphError(request, 410, "SyncStateNotFound", "The sync state generation is not found or has expired; start a new sync.");
  }

  function handleDelta(request: SimRequest, mailbox: SimMailbox, folder: SimFolder): SimResponse {
    if (takeFault(faultState.deltaGone, mailbox.id)) return syncStateNotFound(request);
    const skipToken = request.query.get("$skiptoken");
    const deltaToken = request.query.get("$deltatoken");
    const prefer = parsePrefer(request.headers.prefer);
    const requestedPageSize = Number(prefer.get("odata.maxpagesize") ?? request.query.get("$top") ?? NaN);
    let state: DeltaState;

    if (skipToken !== null) {
      const saved = deltaStates.get(skipToken);
      if (!saved || saved.kind !== "skip" || saved.folderId !== folder.id) return syncStateNotFound(request);
      state = saved;
    } else if (deltaToken !== null) {
      const saved = deltaStates.get(deltaToken);
      if (!saved || saved.kind !== "delta" || saved.folderId !== folder.id) return syncStateNotFound(request);
      state = {
        ...saved,
        kind: "skip",
        items: changesSince(mailbox, folder, saved.seq, saved.immutableIds),
        seq: store.currentSeq(),
        pageSize: Number.isFinite(requestedPageSize) ? requestedPageSize : saved.pageSize,
      };
    } else {
      const filter = request.query.get("$filter");
      let since: number | undefined;
      let inclusive = true;
      if (filter) {
        const match = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(filter);
        const parsed = match ? Date.parse((match[2] ?? "").replace(/^'|'$/g, "")) : NaN;
        if (!match || Number.isNaN(parsed)) {
          return graphError(request, 400, "ErrorInvalidUrlQueryFilter", "The query filter contains one or more invalid nodes.");
        }
        since = parsed;
        inclusive = (match[1] ?? "").toLowerCase() === "ge";
      }
      const view = viewOptionsFor(request, folder);
      const items: DeltaItem[] = store
        .listFolder(mailbox, folder)
        .filter((message) => {
          if (since === undefined) return true;
          const received = Date.parse(message.receivedDateTime);
          return inclusive ? received >= since : received > since;
        })
        .map((message) => ({ kind: "upsert", immutableId: message.immutableId }));
      state = {
        kind: "skip",
        mailboxId: mailbox.id,
        folderId: folder.id,
        select: view.select,
        extendedPropertyIds: view.extendedPropertyIds,
        immutableIds: view.immutableIds,
        pageSize: Number.isFinite(requestedPageSize) ? requestedPageSize : (options.defaultDeltaPageSize ?? 10),
        items,
        seq: store.currentSeq(),
      };
    }

    const pageSize = Math.max(1, Math.floor(state.pageSize));
    const page = state.items.slice(0, pageSize);
    const remaining = state.items.slice(pageSize);
    const value: Record<string, unknown>[] = [];
    for (const item of page) {
      if (item.kind === "removed") {
        value.push({ "@odata.type": "#microsoft.graph.message", id: item.id, "@removed": { reason: "deleted" } });
        continue;
      }
      const message = mailbox.messages.get(item.immutableId);
      if (!message || message.folderId !== folder.id) continue;
      value.push({
        "@odata.type": "#microsoft.graph.message",
        ...renderMessage(message, {
          select: state.select,
          extendedPropertyIds: state.extendedPropertyIds,
          immutableIds: state.immutableIds,
          bodyAsText: false,
          folder,
        }),
      });
    }
    const link = `${ctx.baseUrl}v1.0/users/${mailbox.id}/mailFolders('${folder.id}')/messages/delta`;
    const token = randomBytes(24).toString("base64url");
    const body: Record<string, unknown> = { "@odata.context": `${ctx.baseUrl}v1.0/$metadata#Collection(message)`, value };
    if (remaining.length > 0) {
      deltaStates.set(token, { ...state, kind: "skip", items: remaining });
      body["@odata.nextLink"] = `${link}?$skiptoken=${token}`;
    } else {
      deltaStates.set(token, { ...state, kind: "delta", items: [] });
      body["@odata.deltaLink"] = `${link}?$deltatoken=${token}`;
    }
    const headers: Record<string, string> = { "preference-applied": `odata.maxpagesize=${pageSize}` };
    return jsonResponse(200, body, headers);
  }

  /** What changed in a folder after `seq`: current members as upserts, departed ones as removals. */
  function changesSince(mailbox: SimMailbox, folder: SimFolder, seq: number, immutableIds: boolean): DeltaItem[] {
    const touched = new Map<string, { removedId: string | null }>();
    for (const entry of mailbox.changeLog) {
      if (entry.seq <= seq) continue;
      const known = touched.get(entry.immutableId) ?? { removedId: null };
      if (entry.previousFolderId === folder.id && entry.folderId !== folder.id) {
        known.removedId = immutableIds ? entry.immutableId : (entry.previousRestId ?? entry.restId);
      }
      touched.set(entry.immutableId, known);
    }
    const items: DeltaItem[] = [];
    for (const [immutableId, known] of touched) {
      const message = mailbox.messages.get(immutableId);
      if (message && message.folderId === folder.id) items.push({ kind: "upsert", immutableId });
      else if (known.removedId) items.push({ kind: "removed", id: known.removedId });
    }
    return items;
  }
  return { handleDelta };
}
