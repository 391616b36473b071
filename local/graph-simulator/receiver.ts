// A tiny plain-HTTP webhook receiver for tests and local scenarios: answers Graph's validation
// handshake, records every POST, and lets a test script failures, wrong echoes and delays.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  /** Path and query exactly as received (still URL-encoded). */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
  /** Parsed `{ value: [...] }` of a notification POST; empty for validation requests. */
  items: Record<string, unknown>[];
  status: number;
}

export interface ReceiverReply {
  status: number;
  body?: string;
  /** Waits before answering (to provoke timeouts). */
  delayMs?: number;
}

export interface NotificationReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Validation requests (those with `validationToken`). */
  validations(): ReceivedRequest[];
  /** Notification items from acknowledged (2xx) POSTs, in arrival order. */
  items(): Record<string, unknown>[];
  /** Overrides the default behaviour (echo the token; 202 for notifications). */
  setReply(reply: ((request: ReceivedRequest) => ReceiverReply | undefined) | undefined): void;
  waitFor(predicate: () => boolean, options?: { timeoutInMs?: number }): Promise<void>;
  close(): Promise<void>;
}

export async function startNotificationReceiver(options: { path?: string } = {}): Promise<NotificationReceiver> {
  const requests: ReceivedRequest[] = [];
  let custom: ((request: ReceivedRequest) => ReceiverReply | undefined) | undefined;
  const pending = new Set<NodeJS.Timeout>();

  const server = http.createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      let items: Record<string, unknown>[] = [];
      if (!url.searchParams.has("validationToken") && body.length > 0) {
        try {
          items = ((JSON.parse(body) as { value?: Record<string, unknown>[] }).value ?? []).slice();
        } catch {
          items = [];
        }
      }
      const received: ReceivedRequest = {
        rawUrl: incoming.url ?? "/",
        path: url.pathname,
        query: url.searchParams,
        contentType: incoming.headers["content-type"] ?? "",
        body,
        items,
        status: 0,
      };
      const token = url.searchParams.get("validationToken");
      const reply = custom?.(received) ?? (token !== null ? { status: 200, body: token } : { status: 202 });
      received.status = reply.status;
      requests.push(received);
      const answer = (): void => {
        if (outgoing.destroyed) return;
        outgoing.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8" });
        outgoing.end(reply.body ?? "");
      };
      if (reply.delayMs) {
        const timer = setTimeout(() => {
          pending.delete(timer);
          answer();
        }, reply.delayMs);
        pending.add(timer);
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${options.path ?? "/api/notifications"}`,
    requests,
    validations: () => requests.filter((request) => request.query.has("validationToken")),
    items: () =>
      requests
        .filter((request) => !request.query.has("validationToken") && request.status >= 200 && request.status < 300)
        .flatMap((request) => request.items),
    setReply: (reply) => {
      custom = reply;
    },
    waitFor: async (predicate, waitOptions = {}) => {
      const deadline = Date.now() + (waitOptions.timeoutInMs ?? 10_000);
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error("Timed out waiting for the receiver condition.");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
