// Message lifecycle shared by the routes and the admin API: composing copies, MIME headers,
// delivery to recipients, moves with their notifications, snapshots and folder look-up by name.
import {
  childConversationIndex,
  conversationIdFor,
  newConversationIndex,
  newImmutableId,
  newRestId,
} from "./mail-store.js";
import type { SimAddress, SimFolder, SimHeader, SimMailbox, SimMessage } from "./mail-store.js";
import type { ChangeType } from "./subscriptions.js";
import type { Delivery, SimMessageSnapshot } from "./simulator.js";
import type { SimContext } from "./context.js";

export interface Composition {
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  from: SimAddress;
  toRecipients: SimAddress[];
  ccRecipients: SimAddress[];
  bccRecipients: SimAddress[];
  replyTo: SimAddress[];
  internetMessageId: string;
  inReplyTo: string | null;
  references: string | null;
  conversationIndex: Buffer;
  extraHeaders: SimHeader[];
  sentDateTime: string;
}

function formatAddress(address: SimAddress): string {
  return address.name ? `"${address.name}" <${address.address}>` : address.address;
}

export type MessageLifecycle = ReturnType<typeof createMessageLifecycle>;

export function createMessageLifecycle(ctx: SimContext) {
  const { store, hub, clock, messageDomain } = ctx;

  function notify(message: SimMessage, folder: SimFolder, changeType: ChangeType): void {
    hub.notifyChange({ mailboxId: message.mailboxId, folderId: folder.id, folder, changeType, message });
  }

  function threadIndexFor(inReplyTo: string | null, now: Date): Buffer {
    const parent = inReplyTo ? store.findByInternetMessageId(inReplyTo) : undefined;
    return parent ? childConversationIndex(parent.conversationIndex) : newConversationIndex(now);
  }

  function newMessage(mailbox: SimMailbox, folder: SimFolder, composition: Composition, fields: {
    isDraft: boolean;
    headers: SimHeader[];
    receivedDateTime: string;
    sentDateTime: string | null;
  }): SimMessage {
    const now = clock().toISOString();
    return {
      immutableId: newImmutableId(),
      restId: newRestId(),
      mailboxId: mailbox.id,
      folderId: folder.id,
      subject: composition.subject,
      body: composition.body,
      from: composition.from,
      sender: composition.from,
      toRecipients: composition.toRecipients,
      ccRecipients: composition.ccRecipients,
      bccRecipients: fields.isDraft || folder.wellKnownName === "sentitems" ? composition.bccRecipients : [],
      replyTo: composition.replyTo,
      internetMessageId: composition.internetMessageId,
      inReplyTo: composition.inReplyTo,
      references: composition.references,
      conversationId: conversationIdFor(mailbox.id, composition.conversationIndex),
      conversationIndex: composition.conversationIndex,
      headers: fields.headers,
      categories: [],
      isDraft: fields.isDraft,
      isRead: folder.wellKnownName !== "inbox",
      createdDateTime: now,
      lastModifiedDateTime: now,
      receivedDateTime: fields.receivedDateTime,
      sentDateTime: fields.sentDateTime,
      changeVersion: 1,
    };
  }

  /** The MIME headers a recipient's copy carries; given headers win over generated ones. */
  function mimeHeaders(composition: Composition): SimHeader[] {
    const generated: SimHeader[] = [
      { name: "Received", value: `from ${messageDomain} by ${messageDomain} with HTTPS; ${new Date(composition.sentDateTime).toUTCString()}` },
      { name: "From", value: formatAddress(composition.from) },
      { name: "To", value: composition.toRecipients.map(formatAddress).join(", ") },
      ...(composition.ccRecipients.length > 0
        ? [{ name: "CC", value: composition.ccRecipients.map(formatAddress).join(", ") }]
        : []),
      { name: "Subject", value: composition.subject },
      { name: "Thread-Topic", value: composition.subject.replace(/^(\s*(re|fw|fwd)\s*:\s*)+/i, "") },
      { name: "Thread-Index", value: composition.conversationIndex.toString("base64") },
      { name: "Date", value: new Date(composition.sentDateTime).toUTCString() },
      { name: "Message-ID", value: composition.internetMessageId },
      ...(composition.inReplyTo ? [{ name: "In-Reply-To", value: composition.inReplyTo }] : []),
      ...(composition.references ? [{ name: "References", value: composition.references }] : []),
      { name: "Content-Language", value: "en-US" },
      { name: "MIME-Version", value: "1.0" },
      { name: "Content-Type", value: composition.body.contentType === "html" ? "text/html; charset=\"utf-8\"" : "text/plain; charset=\"utf-8\"" },
    ];
    const given = new Set(composition.extraHeaders.map((header) => header.name.toLowerCase()));
    return [...generated.filter((header) => !given.has(header.name.toLowerCase())), ...composition.extraHeaders];
  }

  /** Puts a copy in each known recipient's Inbox and notifies. */
  function deliverToRecipients(composition: Composition, receivedDateTime: string): Delivery[] {
    const deliveries: Delivery[] = [];
    const seen = new Set<string>();
    const recipients = [...composition.toRecipients, ...composition.ccRecipients, ...composition.bccRecipients];
    for (const recipient of recipients) {
      const mailbox = store.findMailbox(recipient.address);
      if (!mailbox || seen.has(mailbox.id)) continue;
      seen.add(mailbox.id);
      const inbox = store.requireFolder(mailbox, "inbox");
      const message = newMessage(mailbox, inbox, composition, {
        isDraft: false,
        headers: mimeHeaders(composition),
        receivedDateTime,
        sentDateTime: composition.sentDateTime,
      });
      store.insert(message);
      notify(message, inbox, "created");
      deliveries.push({ mailboxId: mailbox.id, messageId: message.immutableId, restId: message.restId });
    }
    return deliveries;
  }

  function snapshot(message: SimMessage): SimMessageSnapshot {
    return {
      id: message.immutableId,
      restId: message.restId,
      folder: store.folderOf(message).wellKnownName ?? store.folderOf(message).displayName,
      folderId: message.folderId,
      subject: message.subject,
      internetMessageId: message.internetMessageId,
      inReplyTo: message.inReplyTo,
      references: message.references,
      conversationId: message.conversationId,
      conversationIndex: message.conversationIndex.toString("base64"),
      headers: message.headers.map((header) => ({ ...header })),
      categories: [...message.categories],
      isDraft: message.isDraft,
      from: message.from,
      toRecipients: [...message.toRecipients],
      ccRecipients: [...message.ccRecipients],
      receivedDateTime: message.receivedDateTime,
    };
  }

  /** A well-known name, a folder id, or a path of display names below the Inbox. */
  function folderByName(mailbox: SimMailbox, name: string): SimFolder {
    const direct = store.findFolder(mailbox, name);
    if (direct) return direct;
    let at = store.requireFolder(mailbox, "inbox");
    for (const part of name.split("/").map((segment) => segment.trim()).filter((segment) => segment.length > 0)) {
      const next = store.childFolders(mailbox, at).find((child) => child.displayName.toLowerCase() === part.toLowerCase());
      if (!next) throw new Error(`No folder ${name} below the Inbox of ${mailbox.address}.`);
      at = next;
    }
    return at;
  }

  function userFolder(mailbox: SimMailbox, name: string): SimFolder {
    const folder = folderByName(mailbox, name);
    if (folder.wellKnownName !== null) throw new Error(`${name} is a well-known folder.`);
    return folder;
  }

  function requireMessage(mailboxKey: string, messageId: string): SimMessage {
    const mailbox = store.requireMailbox(mailboxKey);
    const message = store.findMessage(mailbox, messageId);
    if (!message) throw new Error(`No message ${messageId} in mailbox ${mailbox.address}.`);
    return message;
  }

  function moveMessage(message: SimMessage, target: SimFolder): void {
    const source = store.folderOf(message);
    if (source.id === target.id) return;
    notify(message, source, "deleted");
    store.move(message, target, clock());
    notify(message, target, "created");
  }
  return { notify, threadIndexFor, newMessage, mimeHeaders, deliverToRecipients, snapshot, folderByName, userFolder, requireMessage, moveMessage };
}
