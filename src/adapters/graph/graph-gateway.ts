// MailGateway on Microsoft Graph: message reads (single and $batch), subscriptions, per-folder
// delta and sending. Every request goes through the per-mailbox limiter and the retry policy, and
// every failure leaves as a GraphFailure.
import type { TokenCredential } from "@azure/identity";
import type { Client } from "@microsoft/microsoft-graph-client";
import { subscriptionTag } from "../../app/client-state.js";
import { GraphFailure } from "../../app/errors.js";
import { trackedFolderName } from "../../app/folder-keys.js";
import type { DeltaPage, MailFolderName, MailGateway, OutgoingMessage } from "../../app/ports.js";
import { normalizeAddress } from "../../domain/address.js";
import type { FolderStep } from "../../domain/folder-placement.js";
import type { GraphMessage } from "../../domain/types.js";
import { createGraphClient } from "./graph-client.js";
import { factsOfBatchItem, failureFromFacts, toGraphFailure } from "./graph-errors.js";
import type { GraphOperation } from "./graph-errors.js";
import {
  childFoldersUrl,
  folderUrl,
  DEFAULT_DELTA_PAGE_SIZE,
  PREFER_TEXT_BODY,
  chunk,
  draftBody,
  initialDeltaUrl,
  messageBatchBody,
  messageUrl,
  messagesByInternetMessageIdUrl,
  preferHeader,
  subscriptionBody,
  subscriptionVersion,
  subscriptionPath,
  userPath,
} from "./graph-requests.js";
import { DEFAULT_MAX_RETRIES, withRetries } from "./graph-retry.js";
import { OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX, createMailboxLimiter } from "./mailbox-limiter.js";

export interface GraphGatewayOptions {
  credential: TokenCredential;
  /** Default https://graph.microsoft.com/ (a trailing /v1.0 is accepted). */
  baseUrl?: string;
  /** PEM of a CA to trust in addition to the public roots (a local Graph simulator). */
  ca?: string;
  /** Default and maximum 4 (Outlook's limit per app and mailbox). */
  maxConcurrencyPerMailbox?: number;
  /** Retries of a throttled or temporary failure. Default 5. */
  maxRetries?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
  /** For backoff jitter; default Math.random. */
  random?: () => number;
}

export interface GraphGateway extends MailGateway {
  /** HTTP requests sent to Graph by this gateway (retries and $batch envelopes count one each). */
  requestCount(): number;
  /** Requests per mailbox (lower-cased); subscription renew/reauthorize/delete under "(subscriptions)". */
  requestCountByMailbox(): Map<string, number>;
  /** Release the connection pool of a trusted local CA. */
  close(): Promise<void>;
}

/** Key for requests addressed to a subscription id, whose mailbox the request does not name. */
export const SUBSCRIPTIONS_KEY = "(subscriptions)";

interface BatchResponseItem {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The message without OData annotations (`@odata.context`, `@odata.etag`). */
function toGraphMessage(value: unknown, what: string): GraphMessage {
  if (!isRecord(value) || typeof value.id !== "string") {
    throw new GraphFailure("invalidRequest", `${what}: Graph returned no message id`);
  }
  const message: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) if (!key.startsWith("@odata.")) message[key] = field;
  return message as unknown as GraphMessage;
}

function parseBatchBody(body: unknown): unknown {
  if (typeof body !== "string") return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function createGraphGateway(options: GraphGatewayOptions): GraphGateway {
  const maxConcurrency = options.maxConcurrencyPerMailbox ?? OUTLOOK_MAX_CONCURRENCY_PER_MAILBOX;
  const limiter = createMailboxLimiter({ maxConcurrency });
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
  const sleep = options.sleep ?? realSleep;
  let sent = 0;
  const byMailbox = new Map<string, number>();
  const { client, close } = createGraphClient({
    credential: options.credential,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    onSend: () => {
      sent += 1;
    },
  });

  interface Call<T> {
    /** The mailbox the request counts against; undefined for requests by subscription id. */
    mailbox: string | undefined;
    operation: GraphOperation;
    what: string;
    /** Limiter slots held while the request is in flight. Default 1. */
    slots?: number;
    run: (client: Client) => Promise<T>;
  }

  /** One HTTP request: under the mailbox's limit, its failure translated. */
  async function sendOnce<T>(call: Call<T>): Promise<T> {
    const key = call.mailbox === undefined ? SUBSCRIPTIONS_KEY : normalizeAddress(call.mailbox);
    const attempt = async (): Promise<T> => {
      byMailbox.set(key, (byMailbox.get(key) ?? 0) + 1);
      try {
        return await call.run(client);
      } catch (error) {
        throw toGraphFailure(error, { operation: call.operation, what: call.what });
      }
    };
    return call.mailbox === undefined ? attempt() : limiter.run(call.mailbox, attempt, { slots: call.slots ?? 1 });
  }

  /** One request with retries; the limiter slot is released while waiting to retry. */
  function send<T>(call: Call<T>): Promise<T> {
    return withRetries(() => sendOnce(call), retryOptions(call.what));
  }

  function retryOptions(what: string) {
    return {
      maxRetries,
      sleep,
      what,
      ...(options.log === undefined ? {} : { log: options.log }),
      ...(options.random === undefined ? {} : { random: options.random }),
    };
  }

  async function getMessage(mailbox: string, messageId: string, readOptions: { folder: MailFolderName }): Promise<GraphMessage> {
    const what = `read message ${messageId} of ${mailbox}`;
    const value = await send({
      mailbox,
      operation: "read",
      what,
      run: (graph) => graph.api(messageUrl(mailbox, messageId, readOptions.folder)).header("Prefer", preferHeader(PREFER_TEXT_BODY)).get() as Promise<unknown>,
    });
    return toGraphMessage(value, what);
  }

  async function readOne(mailbox: string, messageId: string, folder: MailFolderName): Promise<{ messageId: string; message?: GraphMessage; failure?: GraphFailure }> {
    try {
      return { messageId, message: await getMessage(mailbox, messageId, { folder }) };
    } catch (error) {
      if (error instanceof GraphFailure) return { messageId, failure: error };
      throw error;
    }
  }

  async function readBatch(mailbox: string, messageIds: string[], folder: MailFolderName) {
    const what = `read ${messageIds.length} messages of ${mailbox} ($batch)`;
    const envelope = await send({
      mailbox,
      operation: "batch",
      what,
      // Outlook runs up to 4 items of a batch at once, so the batch holds that many slots.
      slots: Math.min(messageIds.length, maxConcurrency),
      run: (graph) => graph.api("/$batch").header("Prefer", preferHeader()).post(messageBatchBody(mailbox, messageIds, folder)) as Promise<unknown>,
    });
    const responses = isRecord(envelope) && Array.isArray(envelope.responses) ? (envelope.responses as BatchResponseItem[]) : [];
    const byId = new Map(responses.map((item) => [String(item.id), item]));
    return Promise.all(
      messageIds.map(async (messageId, index) => {
        const item = byId.get(String(index));
        // SDKs do not retry batch items: a missing, throttled or failed item is read on its own.
        if (item === undefined) return readOne(mailbox, messageId, folder);
        const body = parseBatchBody(item.body);
        if (item.status >= 200 && item.status < 300) {
          try {
            return { messageId, message: toGraphMessage(body, `read message ${messageId} of ${mailbox}`) };
          } catch (error) {
            if (error instanceof GraphFailure) return { messageId, failure: error };
            throw error;
          }
        }
        const failure = failureFromFacts(factsOfBatchItem({ status: item.status, headers: item.headers, body }), {
          operation: "read",
          what: `read message ${messageId} of ${mailbox}`,
        });
        if (failure.transient) return readOne(mailbox, messageId, folder);
        return { messageId, failure };
      }),
    );
  }

  async function getMessages(mailbox: string, messageIds: string[], readOptions: { folder: MailFolderName }) {
    const unique = [...new Set(messageIds)];
    const results = (await Promise.all(chunk(unique).map((ids) => readBatch(mailbox, ids, readOptions.folder)))).flat();
    const byId = new Map(results.map((result) => [result.messageId, result]));
    // One result per id asked for, in the order asked.
    return messageIds.map((messageId) => byId.get(messageId) ?? { messageId, failure: new GraphFailure("temporary", `read message ${messageId} of ${mailbox}: no result`) });
  }

  async function* delta(
    mailbox: string,
    folder: MailFolderName,
    deltaOptions: { deltaLink?: string; receivedAfter?: string; pageSize?: number; folderId?: string },
  ): AsyncIterable<DeltaPage> {
    const pageSize = deltaOptions.pageSize ?? DEFAULT_DELTA_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError(`delta pageSize must be a positive integer, got ${pageSize}`);
    let url =
      deltaOptions.deltaLink ??
      initialDeltaUrl(mailbox, folder, {
        ...(deltaOptions.receivedAfter === undefined ? {} : { receivedAfter: deltaOptions.receivedAfter }),
        ...(deltaOptions.folderId === undefined ? {} : { folderId: deltaOptions.folderId }),
      });
    for (let pageNumber = 1; ; pageNumber += 1) {
      const what = `delta page ${pageNumber} of ${mailbox}/${folder}`;
      const pageUrl = url;
      const page = await send({
        mailbox,
        operation: "delta",
        what,
        // Absolute @odata.nextLink/@odata.deltaLink URLs are parsed by the SDK (host and version).
        run: (graph) => graph.api(pageUrl).header("Prefer", preferHeader(`odata.maxpagesize=${pageSize}`)).get() as Promise<unknown>,
      });
      if (!isRecord(page)) throw new GraphFailure("invalidRequest", `${what}: Graph returned no page`);
      const messages: GraphMessage[] = [];
      const removedIds: string[] = [];
      for (const item of Array.isArray(page.value) ? page.value : []) {
        if (!isRecord(item) || typeof item.id !== "string") continue;
        if (item["@removed"] !== undefined) removedIds.push(item.id);
        else messages.push(toGraphMessage(item, what));
      }
      const nextLink = page["@odata.nextLink"];
      const deltaLink = page["@odata.deltaLink"];
      if (typeof nextLink === "string") {
        yield { messages, removedIds };
        url = nextLink;
        continue;
      }
      if (typeof deltaLink === "string") {
        yield { messages, removedIds, deltaLink };
        return;
      }
      throw new GraphFailure("invalidRequest", `${what}: the page has neither @odata.nextLink nor @odata.deltaLink`);
    }
  }

  async function createDraft(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }> {
    const draft = await send({
      mailbox,
      operation: "send",
      what: `create draft in ${mailbox}`,
      run: (graph) => graph.api(`${userPath(mailbox)}/messages`).header("Prefer", preferHeader()).post(draftBody(message)) as Promise<unknown>,
    });
    if (!isRecord(draft) || typeof draft.id !== "string" || typeof draft.internetMessageId !== "string") {
      throw new GraphFailure("invalidRequest", `create draft in ${mailbox}: Graph returned no id or internetMessageId`);
    }
    return {
      id: draft.id,
      internetMessageId: draft.internetMessageId,
      ...(typeof draft.conversationIndex === "string" ? { conversationIndex: draft.conversationIndex } : {}),
    };
  }

  function sendDraftOnce(mailbox: string, draftId: string): Promise<unknown> {
    return sendOnce({
      mailbox,
      operation: "send",
      what: `send draft ${draftId} of ${mailbox}`,
      run: (graph) => graph.api(`${userPath(mailbox)}/messages/${encodeURIComponent(draftId)}/send`).header("Prefer", preferHeader()).post({}) as Promise<unknown>,
    });
  }

  async function sendMail(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }> {
    const draft = await createDraft(mailbox, message);
    const what = `send draft ${draft.id} of ${mailbox}`;
    await withRetries(async (attemptNumber) => {
      try {
        await sendDraftOnce(mailbox, draft.id);
      } catch (error) {
        // A failed attempt may still have sent: the draft is then gone from Drafts.
        if (attemptNumber > 1 && error instanceof GraphFailure && error.code === "notFound") return;
        throw error;
      }
    }, retryOptions(what));
    return draft;
  }

  async function findMessagesByInternetMessageId(mailbox: string, internetMessageId: string) {
    const what = `find message ${internetMessageId} in ${mailbox}`;
    const page = await send({
      mailbox,
      operation: "read",
      what,
      run: (graph) => graph.api(messagesByInternetMessageIdUrl(mailbox, internetMessageId)).header("Prefer", preferHeader()).get() as Promise<unknown>,
    });
    const found: Array<{ id: string; isDraft: boolean; parentFolderId?: string; conversationIndex?: string }> = [];
    for (const item of isRecord(page) && Array.isArray(page.value) ? page.value : []) {
      if (!isRecord(item) || typeof item.id !== "string") continue;
      found.push({
        id: item.id,
        isDraft: item.isDraft === true,
        ...(typeof item.parentFolderId === "string" ? { parentFolderId: item.parentFolderId } : {}),
        ...(typeof item.conversationIndex === "string" ? { conversationIndex: item.conversationIndex } : {}),
      });
    }
    return found;
  }

  /** A folder below the Inbox by its path of display names (compared case-insensitively), one child list per level. */
  async function findFolderByPath(mailbox: string, path: string): Promise<Record<string, unknown>> {
    let parent: Record<string, unknown> = { id: "inbox" };
    for (const name of path.split("/").map((part) => part.trim()).filter((part) => part.length > 0)) {
      const parentId = String(parent.id);
      const page = await send({
        mailbox,
        operation: "read",
        what: `list the folders under ${parentId === "inbox" ? "the Inbox" : "a folder"} of ${mailbox}`,
        run: (graph) => graph.api(childFoldersUrl(mailbox, parentId)).header("Prefer", preferHeader()).get() as Promise<unknown>,
      });
      const children = isRecord(page) && Array.isArray(page.value) ? page.value.filter(isRecord) : [];
      const next = children.find((child) => typeof child.displayName === "string" && child.displayName.toLowerCase() === name.toLowerCase());
      if (!next || typeof next.id !== "string") throw new GraphFailure("notFound", `no folder "${path}" below the Inbox of ${mailbox}`);
      parent = next;
    }
    return parent;
  }

  async function getFolder(mailbox: string, folder: string): Promise<FolderStep> {
    const what = `read folder ${folder} of ${mailbox}`;
    const value = await send({
      mailbox,
      operation: "read",
      what,
      run: (graph) => graph.api(folderUrl(mailbox, folder)).header("Prefer", preferHeader()).get() as Promise<unknown>,
    });
    if (!isRecord(value) || typeof value.id !== "string") throw new GraphFailure("invalidRequest", `${what}: Graph returned no id`);
    return {
      id: value.id,
      ...(typeof value.displayName === "string" ? { displayName: value.displayName } : {}),
      ...(typeof value.parentFolderId === "string" ? { parentFolderId: value.parentFolderId } : {}),
    };
  }

  async function getFolderId(mailbox: string, folder: MailFolderName): Promise<string> {
    return (await getFolder(mailbox, folder)).id;
  }


  return {
    getMessage,
    getMessages,
    delta,
    sendMail,
    createDraft,
    sendDraft: async (mailbox, draftId) => {
      await sendDraftOnce(mailbox, draftId);
    },
    findMessagesByInternetMessageId,
    getFolderId,
    getFolder,

    async setCategories(mailbox, messageId, categories) {
      await send({
        mailbox,
        operation: "send",
        what: `set the categories of message ${messageId} of ${mailbox}`,
        run: (graph) => graph.api(`${userPath(mailbox)}/messages/${encodeURIComponent(messageId)}`).header("Prefer", preferHeader()).patch({ categories }) as Promise<unknown>,
      });
    },

    async createSubscription(subscription) {
      const created = await send({
        mailbox: subscription.mailbox,
        operation: "createSubscription",
        what: `create subscription for ${subscription.mailbox}/${subscription.folder}`,
        run: (graph) =>
          graph
            .api("/subscriptions")
            .version(subscriptionVersion(subscription))
            .header("Prefer", preferHeader())
            .post(subscriptionBody(subscription)) as Promise<unknown>,
      });
      if (!isRecord(created) || typeof created.id !== "string" || typeof created.expirationDateTime !== "string") {
        throw new GraphFailure("invalidRequest", `create subscription for ${subscription.mailbox}: Graph returned no id or expirationDateTime`);
      }
      return {
        id: created.id,
        resource: typeof created.resource === "string" ? created.resource : String(subscriptionBody(subscription).resource),
        expirationDateTime: created.expirationDateTime,
      };
    },

    async renewSubscription(id, renewal) {
      const renewed = await send({
        mailbox: undefined,
        operation: "subscription",
        what: `renew ${subscriptionTag(id)}`,
        run: (graph) => graph.api(subscriptionPath(id)).header("Prefer", preferHeader()).patch({ expirationDateTime: renewal.expirationDateTime }) as Promise<unknown>,
      });
      // Graph may grant less than asked: the returned value is the one to store.
      const granted = isRecord(renewed) && typeof renewed.expirationDateTime === "string" ? renewed.expirationDateTime : renewal.expirationDateTime;
      return { expirationDateTime: granted };
    },

    async reauthorizeSubscription(id) {
      await send({
        mailbox: undefined,
        operation: "subscription",
        what: `reauthorize ${subscriptionTag(id)}`,
        run: (graph) => graph.api(`${subscriptionPath(id)}/reauthorize`).header("Prefer", preferHeader()).post({}) as Promise<unknown>,
      });
    },

    async listSubscriptions() {
      const found: Array<{ id: string; resource: string; notificationUrl: string; expirationDateTime: string }> = [];
      let url: string | undefined = "/subscriptions";
      for (let pageNumber = 1; url !== undefined; pageNumber += 1) {
        const pageUrl: string = url;
        const page = await send({
          mailbox: undefined,
          operation: "subscription",
          what: `list subscriptions, page ${pageNumber}`,
          run: (graph) => graph.api(pageUrl).header("Prefer", preferHeader()).get() as Promise<unknown>,
        });
        if (!isRecord(page)) throw new GraphFailure("invalidRequest", "list subscriptions: Graph returned no page");
        for (const item of Array.isArray(page.value) ? page.value : []) {
          if (!isRecord(item) || typeof item.id !== "string") continue;
          found.push({
            id: item.id,
            resource: typeof item.resource === "string" ? item.resource : "",
            notificationUrl: typeof item.notificationUrl === "string" ? item.notificationUrl : "",
            expirationDateTime: typeof item.expirationDateTime === "string" ? item.expirationDateTime : "",
          });
        }
        const next = page["@odata.nextLink"];
        url = typeof next === "string" ? next : undefined;
      }
      return found;
    },

    async getSubscription(id) {
      try {
        const found = await send({
          mailbox: undefined,
          operation: "subscription",
          what: `read ${subscriptionTag(id)}`,
          run: (graph) => graph.api(subscriptionPath(id)).header("Prefer", preferHeader()).get() as Promise<unknown>,
        });
        if (!isRecord(found) || typeof found.id !== "string") return undefined;
        return { id: found.id, expirationDateTime: typeof found.expirationDateTime === "string" ? found.expirationDateTime : "" };
      } catch (error) {
        if (error instanceof GraphFailure && (error.code === "subscriptionGone" || error.code === "notFound")) return undefined;
        throw error;
      }
    },

    async describeFolder(mailbox, folder, describeOptions = {}) {
      const path = trackedFolderName(folder);
      const found =
        path !== undefined && describeOptions.folderId === undefined
          ? await findFolderByPath(mailbox, path)
          : await send({
              mailbox,
              operation: "read",
              what: `read folder ${folder} of ${mailbox}`,
              run: (graph) =>
                graph.api(`${userPath(mailbox)}/mailFolders/${encodeURIComponent(describeOptions.folderId ?? folder)}?$select=id,displayName`).header("Prefer", preferHeader()).get() as Promise<unknown>,
            });
      if (!isRecord(found) || typeof found.id !== "string") throw new GraphFailure("invalidRequest", `read folder ${folder} of ${mailbox}: Graph returned no id`);
      const displayName = typeof found.displayName === "string" ? found.displayName : undefined;
      let userId: string | undefined;
      try {
        const user = await send({
          mailbox,
          operation: "read",
          what: `read the user id of ${mailbox}`,
          run: (graph) => graph.api(`${userPath(mailbox)}?$select=id`).get() as Promise<unknown>,
        });
        if (isRecord(user) && typeof user.id === "string") userId = user.id;
      } catch (error) {
        // Reading users needs User.Read.All, which the app may not have: then the resource's
        // user is not compared, and fetching from the subscription's mailbox binds the message.
        if (!(error instanceof GraphFailure && error.code === "permission")) throw error;
      }
      return { folderId: found.id, ...(userId !== undefined ? { userId } : {}), ...(displayName !== undefined ? { displayName } : {}) };
    },

    async deleteSubscription(id) {
      try {
        await send({
          mailbox: undefined,
          operation: "subscription",
          what: `delete ${subscriptionTag(id)}`,
          run: (graph) => graph.api(subscriptionPath(id)).header("Prefer", preferHeader()).delete() as Promise<unknown>,
        });
      } catch (error) {
        // Already gone is what deleting asked for.
        if (error instanceof GraphFailure && (error.code === "subscriptionGone" || error.code === "notFound")) return;
        throw error;
      }
    },

    requestCount: () => sent,
    requestCountByMailbox: () => new Map(byMailbox),
    close,
  };
}
