// In-memory mailboxes for the Graph simulator: folders, messages, ids, threading and the
// change log that delta queries and notifications read.
import { createHash, randomBytes, randomUUID } from "node:crypto";

export const WELL_KNOWN_FOLDERS = [
  "inbox",
  "sentitems",
  "drafts",
  "deleteditems",
  "junkemail",
  "outbox",
  "archive",
  "msgfolderroot",
] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];

const FOLDER_DISPLAY_NAMES: Record<WellKnownFolder, string> = {
  inbox: "Inbox",
  sentitems: "Sent Items",
  drafts: "Drafts",
  deleteditems: "Deleted Items",
  junkemail: "Junk Email",
  outbox: "Outbox",
  archive: "Archive",
  msgfolderroot: "Top of Information Store",
};

export interface SimAddress {
  address: string;
  name?: string;
}

export interface SimHeader {
  name: string;
  value: string;
}

export interface SimFolder {
  id: string;
  /** Null for a folder a user made (a child folder). */
  wellKnownName: WellKnownFolder | null;
  displayName: string;
  /** Null only for the root (msgfolderroot). */
  parentFolderId: string | null;
}

export interface SimMailbox {
  id: string;
  address: string;
  displayName: string;
  folders: Map<string, SimFolder>;
  messages: Map<string, SimMessage>;
  changeLog: ChangeEntry[];
}

export interface SimMessage {
  /** Stable across moves: returned with `Prefer: IdType="ImmutableId"`. */
  immutableId: string;
  /** The default REST id: changes whenever the message moves. */
  restId: string;
  mailboxId: string;
  folderId: string;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  from: SimAddress | null;
  sender: SimAddress | null;
  toRecipients: SimAddress[];
  ccRecipients: SimAddress[];
  bccRecipients: SimAddress[];
  replyTo: SimAddress[];
  internetMessageId: string;
  inReplyTo: string | null;
  references: string | null;
  conversationId: string;
  conversationIndex: Buffer;
  /** MIME headers as received; never returned for Sent Items or drafts. */
  headers: SimHeader[];
  categories: string[];
  isDraft: boolean;
  isRead: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
  receivedDateTime: string;
  sentDateTime: string | null;
  changeVersion: number;
}

/** One change to one message: where it is after the change (null when deleted). */
export interface ChangeEntry {
  seq: number;
  immutableId: string;
  folderId: string | null;
  /** The REST id the message had in `folderId` (or before deletion). */
  restId: string;
  previousFolderId: string | null;
  previousRestId: string | null;
}

export function newRestId(): string {
  return `AAMkAG${randomBytes(42).toString("base64url")}`;
}

export function newImmutableId(): string {
  return `AAkALg${randomBytes(42).toString("base64url")}`;
}

function folderId(mailboxId: string, name: WellKnownFolder): string {
  const digest = createHash("sha256").update(`${mailboxId}/${name}`).digest("base64url");
  return `AAMkAD${digest}AAA=`;
}

function dateToFileTimeBytes(date: Date): Buffer {
  // FILETIME = 100 ns ticks since 1601; the header keeps its 5 most significant bytes.
  const ticks = (BigInt(date.getTime()) + 11_644_473_600_000n) * 10_000n;
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(ticks);
  return buffer.subarray(0, 5);
}

/** A 22-byte conversation index header: 0x01, 5 bytes of FILETIME, a 16-byte GUID. */
export function newConversationIndex(date: Date): Buffer {
  return Buffer.concat([Buffer.from([0x01]), dateToFileTimeBytes(date), randomBytes(16)]);
}

/** A reply's conversation index: the parent's bytes plus one 5-byte child block. */
export function childConversationIndex(parent: Buffer): Buffer {
  return Buffer.concat([parent, randomBytes(5)]);
}

/** Like Exchange, conversation ids differ per mailbox for the same thread. */
export function conversationIdFor(mailboxId: string, conversationIndex: Buffer): string {
  const guid = conversationIndex.subarray(6, 22);
  const digest = createHash("sha256").update(mailboxId).update(guid).digest("base64");
  return `AAQkAD${digest}`;
}

export function newInternetMessageId(domain: string): string {
  return `<${randomBytes(12).toString("hex").toUpperCase()}@${domain}>`;
}

export function createMailbox(input: { id?: string; address: string; displayName?: string }): SimMailbox {
  const id = input.id ?? randomUUID();
  const folders = new Map<string, SimFolder>();
  const rootId = folderId(id, "msgfolderroot");
  for (const name of WELL_KNOWN_FOLDERS) {
    const folder: SimFolder = {
      id: folderId(id, name),
      wellKnownName: name,
      displayName: FOLDER_DISPLAY_NAMES[name],
      parentFolderId: name === "msgfolderroot" ? null : rootId,
    };
    folders.set(folder.id, folder);
  }
  return {
    id,
    address: input.address,
    displayName: input.displayName ?? input.address.split("@")[0] ?? input.address,
    folders,
    messages: new Map(),
    changeLog: [],
  };
}

export class MailStore {
  readonly mailboxes = new Map<string, SimMailbox>();
  private seq = 0;

  addMailbox(input: { id?: string; address: string; displayName?: string }): SimMailbox {
    if (this.findMailbox(input.address)) {
      throw new Error(`A mailbox with address ${input.address} already exists in the simulator.`);
    }
    if (input.id && this.mailboxes.has(input.id)) {
      throw new Error(`A mailbox with id ${input.id} already exists in the simulator.`);
    }
    const mailbox = createMailbox(input);
    this.mailboxes.set(mailbox.id, mailbox);
    return mailbox;
  }

  /** Finds by GUID or SMTP address (case-insensitive), as `/users/{id|address}` does. */
  findMailbox(idOrAddress: string): SimMailbox | undefined {
    const key = idOrAddress.toLowerCase();
    for (const mailbox of this.mailboxes.values()) {
      if (mailbox.id.toLowerCase() === key || mailbox.address.toLowerCase() === key) return mailbox;
    }
    return undefined;
  }

  requireMailbox(idOrAddress: string): SimMailbox {
    const mailbox = this.findMailbox(idOrAddress);
    if (!mailbox) throw new Error(`No mailbox ${idOrAddress} in the simulator; call addMailbox first.`);
    return mailbox;
  }

  /** Resolves a well-known folder name (any casing) or a folder id. */
  findFolder(mailbox: SimMailbox, nameOrId: string): SimFolder | undefined {
    const byId = mailbox.folders.get(nameOrId);
    if (byId) return byId;
    const name = nameOrId.toLowerCase();
    for (const folder of mailbox.folders.values()) {
      if (folder.wellKnownName === name) return folder;
    }
    return undefined;
  }

  requireFolder(mailbox: SimMailbox, nameOrId: string): SimFolder {
    const folder = this.findFolder(mailbox, nameOrId);
    if (!folder) throw new Error(`No folder ${nameOrId} in mailbox ${mailbox.address}.`);
    return folder;
  }

  /** A user's folder under `parent`; display names are unique among siblings (case-insensitive), as in Exchange. */
  createChildFolder(mailbox: SimMailbox, parent: SimFolder, displayName: string): SimFolder {
    if (this.childFolders(mailbox, parent).some((folder) => sameName(folder.displayName, displayName))) {
      throw new FolderNameTaken(displayName);
    }
    const folder: SimFolder = { id: `AAMkAD${randomBytes(30).toString("base64url")}AAA=`, wellKnownName: null, displayName, parentFolderId: parent.id };
    mailbox.folders.set(folder.id, folder);
    return folder;
  }

  childFolders(mailbox: SimMailbox, parent: SimFolder): SimFolder[] {
    return [...mailbox.folders.values()].filter((folder) => folder.parentFolderId === parent.id);
  }

  renameFolder(mailbox: SimMailbox, folder: SimFolder, displayName: string): void {
    const parent = folder.parentFolderId ? mailbox.folders.get(folder.parentFolderId) : undefined;
    if (parent && this.childFolders(mailbox, parent).some((other) => other.id !== folder.id && sameName(other.displayName, displayName))) {
      throw new FolderNameTaken(displayName);
    }
    folder.displayName = displayName;
  }

  /** Moves a folder (with what it holds) under another; never under itself or its own descendants. */
  moveFolder(mailbox: SimMailbox, folder: SimFolder, target: SimFolder): void {
    for (let at: SimFolder | undefined = target; at; at = at.parentFolderId ? mailbox.folders.get(at.parentFolderId) : undefined) {
      if (at.id === folder.id) throw new Error("A folder can't be moved under itself.");
    }
    if (this.childFolders(mailbox, target).some((other) => other.id !== folder.id && sameName(other.displayName, folder.displayName))) {
      throw new FolderNameTaken(folder.displayName);
    }
    folder.parentFolderId = target.id;
  }

  /** The folder and every folder below it, deepest first. */
  subtree(mailbox: SimMailbox, folder: SimFolder): SimFolder[] {
    const below = this.childFolders(mailbox, folder).flatMap((child) => this.subtree(mailbox, child));
    return [...below, folder];
  }

  /** Removes a user's folder and its subfolders (their messages are removed first by the caller). */
  removeFolder(mailbox: SimMailbox, folder: SimFolder): void {
    for (const gone of this.subtree(mailbox, folder)) mailbox.folders.delete(gone.id);
  }

  folderOf(message: SimMessage): SimFolder {
    const mailbox = this.mailboxes.get(message.mailboxId);
    const folder = mailbox?.folders.get(message.folderId);
    if (!folder) throw new Error(`Message ${message.immutableId} points at an unknown folder.`);
    return folder;
  }

  /** Finds a live message by immutable id or by its current REST id (an old REST id is gone). */
  findMessage(mailbox: SimMailbox, id: string): SimMessage | undefined {
    const direct = mailbox.messages.get(id);
    if (direct) return direct;
    for (const message of mailbox.messages.values()) {
      if (message.restId === id) return message;
    }
    return undefined;
  }

  /** Any mailbox's message with that Message-ID, for threading replies. */
  findByInternetMessageId(internetMessageId: string): SimMessage | undefined {
    for (const mailbox of this.mailboxes.values()) {
      for (const message of mailbox.messages.values()) {
        if (message.internetMessageId === internetMessageId) return message;
      }
    }
    return undefined;
  }

  insert(message: SimMessage): void {
    const mailbox = this.mailboxes.get(message.mailboxId);
    if (!mailbox) throw new Error(`Unknown mailbox ${message.mailboxId}.`);
    mailbox.messages.set(message.immutableId, message);
    this.log(mailbox, message, { previousFolderId: null, previousRestId: null });
  }

  move(message: SimMessage, target: SimFolder, updatedAt: Date): void {
    const mailbox = this.mailboxes.get(message.mailboxId);
    if (!mailbox || target.id === message.folderId) return;
    const previousFolderId = message.folderId;
    const previousRestId = message.restId;
    message.folderId = target.id;
    message.restId = newRestId();
    this.touch(message, updatedAt);
    this.log(mailbox, message, { previousFolderId, previousRestId });
  }

  update(message: SimMessage, updatedAt: Date): void {
    const mailbox = this.mailboxes.get(message.mailboxId);
    if (!mailbox) return;
    this.touch(message, updatedAt);
    this.log(mailbox, message, { previousFolderId: message.folderId, previousRestId: message.restId });
  }

  remove(message: SimMessage): void {
    const mailbox = this.mailboxes.get(message.mailboxId);
    if (!mailbox) return;
    mailbox.messages.delete(message.immutableId);
    this.seq += 1;
    mailbox.changeLog.push({
      seq: this.seq,
      immutableId: message.immutableId,
      folderId: null,
      restId: message.restId,
      previousFolderId: message.folderId,
      previousRestId: message.restId,
    });
  }

  currentSeq(): number {
    return this.seq;
  }

  listFolder(mailbox: SimMailbox, folder: SimFolder): SimMessage[] {
    return [...mailbox.messages.values()]
      .filter((message) => message.folderId === folder.id)
      .sort((a, b) => a.receivedDateTime.localeCompare(b.receivedDateTime));
  }

  private touch(message: SimMessage, updatedAt: Date): void {
    message.changeVersion += 1;
    message.lastModifiedDateTime = updatedAt.toISOString();
  }

  private log(
    mailbox: SimMailbox,
    message: SimMessage,
    previous: { previousFolderId: string | null; previousRestId: string | null },
  ): void {
    this.seq += 1;
    mailbox.changeLog.push({
      seq: this.seq,
      immutableId: message.immutableId,
      folderId: message.folderId,
      restId: message.restId,
      ...previous,
    });
  }
}

export class FolderNameTaken extends Error {
  constructor(readonly displayName: string) {
    super(`A folder with the specified name already exists: ${displayName}`);
  }
}

function sameName(a: string, b: string): boolean {
  return a.localeCompare(b, undefined, { sensitivity: "accent" }) === 0;
}

export function changeKeyOf(message: SimMessage): string {
  const seed = `${message.immutableId}:${message.changeVersion}`;
  return `CQAAABYAAA${createHash("sha1").update(seed).digest("base64").slice(0, 22)}`;
}

export function etagOf(message: SimMessage): string {
  return `W/"${changeKeyOf(message)}"`;
}
