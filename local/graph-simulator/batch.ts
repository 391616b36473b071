// JSON $batch: up to 20 items, dependsOn, at most 4 running per mailbox, responses in order.
import { graphError, jsonResponse, newRequestId } from "./http-util.js";
import type { SimRequest, SimResponse } from "./http-util.js";
import { MAX_CONCURRENT_PER_MAILBOX, pathSegments } from "./context.js";
import type { SimContext } from "./context.js";

const MAX_BATCH_REQUESTS = 20;

interface BatchItem {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  headers?: unknown;
  body?: unknown;
  dependsOn?: unknown;
}

export function createBatch(ctx: SimContext, dispatch: (request: SimRequest) => Promise<SimResponse>) {
  const { store } = ctx;

  async function handleBatch(request: SimRequest): Promise<SimResponse> {
    const items = (request.body as { requests?: unknown } | undefined)?.requests;
    if (!Array.isArray(items) || items.length === 0) {
      return graphError(request, 400, "BadRequest", "Invalid batch payload format: 'requests' must be a non-empty array.");
    }
    if (items.length > MAX_BATCH_REQUESTS) {
      return graphError(request, 400, "BadRequest", `Number of individual requests in the batch exceeds the limit of ${MAX_BATCH_REQUESTS}.`);
    }
    const results = new Map<string, Promise<SimResponse>>();
    // Outlook runs at most 4 items per mailbox at a time; queue the rest.
    const running = new Map<string, number>();
    const waiting = new Map<string, (() => void)[]>();
    const acquire = async (key: string): Promise<void> => {
      if ((running.get(key) ?? 0) < MAX_CONCURRENT_PER_MAILBOX) {
        running.set(key, (running.get(key) ?? 0) + 1);
        return;
      }
      await new Promise<void>((resolve) => {
        const queue = waiting.get(key) ?? [];
        queue.push(resolve);
        waiting.set(key, queue);
      });
    };
    const release = (key: string): void => {
      const next = waiting.get(key)?.shift();
      if (next) next();
      else running.set(key, (running.get(key) ?? 1) - 1);
    };

    const runItem = async (item: BatchItem, itemRequestId: string): Promise<SimResponse> => {
      const itemRequest = { requestId: itemRequestId };
      if (typeof item.url !== "string" || typeof item.method !== "string") {
        return graphError(itemRequest, 400, "BadRequest", "Each batch request needs a method and a url.");
      }
      if (/^https?:/i.test(item.url)) {
        return graphError(itemRequest, 400, "BadRequest", "Batch request URLs must be relative.");
      }
      const dependsOn = Array.isArray(item.dependsOn) ? item.dependsOn.filter((d): d is string => typeof d === "string") : [];
      for (const dependency of dependsOn) {
        const result = await results.get(dependency);
        if (!result || result.status >= 400) {
          return graphError(itemRequest, 424, "FailedDependency", `Dependency ${dependency} failed.`);
        }
      }
      const url = new URL(item.url.replace(/^\/?(v1\.0\/)?/, "/"), "https://batch.invalid");
      const headers: Record<string, string> = {};
      if (item.headers && typeof item.headers === "object") {
        for (const [name, value] of Object.entries(item.headers as Record<string, unknown>)) {
          if (typeof value === "string") headers[name.toLowerCase()] = value;
        }
      }
      const target = pathSegments(url.pathname);
      const mailboxKey = (target[0] ?? "").toLowerCase() === "users" ? (store.findMailbox(target[1] ?? "")?.id ?? null) : null;
      if (mailboxKey) await acquire(mailboxKey);
      try {
        return await dispatch({
          method: item.method.toUpperCase(),
          path: url.pathname,
          query: url.searchParams,
          headers,
          body: item.body,
          requestId: itemRequestId,
        });
      } finally {
        if (mailboxKey) release(mailboxKey);
      }
    };

    const ordered: { id: string; promise: Promise<SimResponse> }[] = [];
    for (const raw of items as BatchItem[]) {
      const id = typeof raw.id === "string" ? raw.id : String(raw.id ?? "");
      const promise = runItem(raw, newRequestId());
      results.set(id, promise);
      ordered.push({ id, promise });
    }
    const responses = [];
    for (const { id, promise } of ordered) {
      const result = await promise;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(result.headers)) {
        headers[name === "retry-after" ? "Retry-After" : name === "content-type" ? "Content-Type" : name] = value;
      }
      const body = result.text ?? result.body;
      responses.push({ id, status: result.status, headers, ...(body !== undefined ? { body } : {}) });
    }
    return jsonResponse(200, { responses });
  }
  return { handleBatch };
}
