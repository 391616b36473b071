// Port of Microsoft Graph as the use cases need it (the mail gateway).
import type { FolderStep } from "../../domain/folder-placement.js";
import type { GraphMessage } from "../../domain/types.js";
import type { GraphFailure } from "../errors.js";
import type { MailFolderName } from "./live-tracking.js";
import type { EncryptionCertificate } from "./resource-data.js";

/** One page of a per-folder delta query. */
export interface DeltaPage {
  messages: GraphMessage[];
  /** Ids reported `@removed`. */
  removedIds: string[];
  /** Present on the last page only. */
  deltaLink?: string;
}

/**
 * Graph's JSON $batch holds at most 20 requests, so getMessages takes at most this many ids and a
 * "change" work item carries at most this many (one $batch each).
 */
export const MAX_MESSAGES_PER_BATCH = 20;

/** Microsoft Graph, as the use cases need it. Failures are thrown as GraphFailure (src/app/errors.ts). */
export interface MailGateway {
  getMessage(mailbox: string, messageId: string, options: { folder: MailFolderName }): Promise<GraphMessage>;
  /** Many messages of one mailbox, fetched with $batch (≤ MAX_MESSAGES_PER_BATCH per request); failed items retried one by one. */
  getMessages(
    mailbox: string,
    messageIds: string[],
    options: { folder: MailFolderName },
  ): Promise<Array<{ messageId: string; message?: GraphMessage; failure?: GraphFailure }>>;
  createSubscription(options: {
    mailbox: string;
    folder: MailFolderName;
    /** The Graph id of a tracked folder (Inbox and Sent Items go by name). */
    folderId?: string;
    /** Default "created"; "created,updated" where category changes must be seen. */
    changeType?: "created" | "created,updated";
    notificationUrl: string;
    lifecycleNotificationUrl: string;
    clientState: string;
    expirationDateTime: string;
    /** Rich notifications: the message arrives encrypted with this certificate (src/app/resource-data.ts). */
    resourceData?: EncryptionCertificate;
  }): Promise<{ id: string; resource: string; expirationDateTime: string }>;
  renewSubscription(id: string, options: { expirationDateTime: string }): Promise<{ expirationDateTime: string }>;
  reauthorizeSubscription(id: string): Promise<void>;
  deleteSubscription(id: string): Promise<void>;
  /** The subscription as Graph has it now; undefined when Graph no longer has it (404). */
  getSubscription(id: string): Promise<{ id: string; expirationDateTime: string } | undefined>;
  /**
   * The subscribed folder's id, and the mailbox user's object id when the app may read users
   * (undefined without that permission). Asked once when subscribing. A tracked folder is found by
   * `folderId` when known (it may have been renamed), else by its settings name as a path below the
   * Inbox ("Customers/Contoso"); a GraphFailure "notFound" says it is not there.
   */
  describeFolder(mailbox: string, folder: MailFolderName, options?: { folderId?: string }): Promise<{ folderId: string; userId?: string; displayName?: string }>;
  /** Every subscription this app has at Graph (all pages; Graph does not return clientState). */
  listSubscriptions(): Promise<Array<{ id: string; resource: string; notificationUrl: string; expirationDateTime: string }>>;
  /** Pages of changes since `deltaLink`, or a fresh delta bounded by `receivedAfter` when none. */
  delta(mailbox: string, folder: MailFolderName, options: { deltaLink?: string; receivedAfter?: string; pageSize?: number; folderId?: string }): AsyncIterable<DeltaPage>;
  /** Draft + send, so the sent message's Message-ID is known. */
  sendMail(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }>;
  /** A draft in the mailbox's Drafts; with `internetMessageId` the draft gets that Message-ID. */
  createDraft(mailbox: string, message: OutgoingMessage): Promise<{ id: string; internetMessageId: string; conversationIndex?: string }>;
  /** Sends a draft (one attempt; a transient failure is thrown as GraphFailure for the caller to retry). */
  sendDraft(mailbox: string, draftId: string): Promise<void>;
  /** The mailbox's messages with this Message-ID (any folder, drafts included): `$filter=internetMessageId eq '…'`. */
  findMessagesByInternetMessageId(
    mailbox: string,
    internetMessageId: string,
  ): Promise<Array<{ id: string; isDraft: boolean; parentFolderId?: string; conversationIndex?: string }>>;
  /** The id of a well-known folder of the mailbox. */
  getFolderId(mailbox: string, folder: MailFolderName): Promise<string>;
  /** One folder, by id or well-known name ("inbox"): id, display name, parent's id. A GraphFailure "notFound" when it is gone. */
  getFolder(mailbox: string, folder: string): Promise<FolderStep>;
  /** Replaces a message's categories (PATCH; needs Mail.ReadWrite): how an untrackable item is marked Undeliverable. */
  setCategories(mailbox: string, messageId: string, categories: string[]): Promise<void>;
}

export interface OutgoingMessage {
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  toRecipients: string[];
  ccRecipients?: string[];
  bccRecipients?: string[];
  /** With angle brackets, e.g. "<x@contoso.com>"; Graph lets a draft's Message-ID be set. */
  internetMessageId?: string;
  /** A reply's parent Message-ID, sent as In-Reply-To/References. */
  inReplyTo?: string;
}
