// A seeded synthetic mailbox for benchmarks: CRM records and .eml files that look like a sales
// mailbox's year — threads with customers (replies by In-Reply-To/References, by Thread-Index
// only, by tracking token, by subject alone), Sent Items, newsletters and strangers.
// Same seed, same files: runs are comparable.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { appendChildBlock, createConversationIndex } from "../src/domain/conversation-index.js";
import { formatTrackingToken } from "../src/domain/tracking-token.js";
import type { CrmRecord } from "../src/domain/types.js";

/** mulberry32: small, fast and good enough to make test data. */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    bytes: (n: number) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}
export type Random = ReturnType<typeof createRandom>;

export const MAILBOX = { address: "dana.reyes@northwind.example.com", name: "Dana Reyes", userId: "usr-dana" };

const FIRST = ["Priya", "Marco", "Aiko", "Lena", "Tomás", "Grace", "Omar", "Sven", "Chen", "Maria", "Jonas", "Fatima", "Luca", "Hana", "Pieter", "Zoe", "Ravi", "Ines", "Kwame", "Elif"];
const LAST = ["Nair", "Rossi", "Tanaka", "Weber", "García", "Okafor", "Haddad", "Berg", "Wang", "Silva", "Meyer", "Khan", "Bianchi", "Sato", "de Vries", "Müller", "Patel", "Costa", "Mensah", "Yilmaz"];
const COMPANY = ["Fabrikam", "Contoso", "Tailspin", "Wingtip", "Litware", "Adventure Works", "Proseware", "Fourth Coffee", "Alpine Ski House", "Coho Vineyard", "Lucerne Publishing", "Margie's Travel", "Trey Research", "Wide World Importers", "Blue Yonder", "Humongous Insurance", "Graphic Design Institute", "Southridge Video", "Relecloud", "Datum"];
const TOPICS = ["quote Q-{n}", "order {n} delivery", "renewal of contract C-{n}", "invoice INV-{n}", "catalogue pricing {y}", "meeting next week", "samples for the {c} range", "payment terms", "shipment {n} delayed", "product demo", "tender {n}", "warranty claim W-{n}"];
const WORDS = "the order delivery quote price tent pole boots jacket shipment warehouse invoice discount terms schedule week colour size sample catalogue contract renewal meeting call please thanks regards attached below above confirm update stock volume pallet freight customs margin season spring autumn range model".split(" ");

export interface SyntheticMailboxOptions {
  messages: number;
  seed: number;
  /** Dates of the first thread; later threads start up to `days` days later. */
  start?: Date;
  days?: number;
}

export interface SyntheticMailbox {
  records: CrmRecord[];
  /** Generated .eml sources in generation order (the replay sorts by Date anyway). */
  files: Array<{ name: string; source: string }>;
  /** What was generated, so a reader can compare it with what the tracker decided. */
  composition: Record<string, number>;
}

interface Person {
  name: string;
  address: string;
}

/** ~500 records: users, a queue, accounts, their contacts, leads (a few sharing an address). */
export function generateRecords(random: Random, options: { count?: number } = {}): CrmRecord[] {
  const count = options.count ?? 500;
  const records: CrmRecord[] = [];
  const created = (i: number) => new Date(Date.UTC(2022, 0, 1) + i * 3_600_000).toISOString();
  records.push({ type: "systemuser", id: MAILBOX.userId, name: MAILBOX.name, emailAddresses: [MAILBOX.address], createdOn: created(0) });
  for (let i = 1; i <= 9; i++) {
    records.push({ type: "systemuser", id: `usr-${i}`, name: `Colleague ${i}`, emailAddresses: [`colleague${i}@northwind.example.com`], createdOn: created(i) });
  }
  records.push({ type: "queue", id: "que-support", name: "Support", emailAddresses: ["support@northwind.example.com"], createdOn: created(10) });
  let i = 0;
  while (records.length < count) {
    i++;
    const company = `${random.pick(COMPANY)} ${i}`;
    const domain = `${company.toLowerCase().replace(/[^a-z0-9]+/g, "")}.example.org`;
    records.push({ type: "account", id: `acc-${i}`, name: company, emailAddresses: [`info@${domain}`], createdOn: created(100 + i), ownerId: MAILBOX.userId });
    const contacts = random.int(1, 3);
    for (let c = 0; c < contacts && records.length < count; c++) {
      const name = `${random.pick(FIRST)} ${random.pick(LAST)}`;
      records.push({ type: "contact", id: `con-${i}-${c}`, name, emailAddresses: [`${slug(name)}.${c}@${domain}`], createdOn: created(1000 + i * 4 + c), ownerId: MAILBOX.userId });
    }
    if (records.length < count && random.chance(0.45)) {
      const name = `${random.pick(FIRST)} ${random.pick(LAST)}`;
      // Every tenth lead shares the account's address: resolution meets multiple matches.
      const address = i % 10 === 0 ? `info@${domain}` : `${slug(name)}@lead-${i}.example.net`;
      records.push({ type: "lead", id: `lead-${i}`, name, emailAddresses: [address], createdOn: created(3000 + i) });
    }
  }
  return records;
}

export function generateMailbox(options: SyntheticMailboxOptions): SyntheticMailbox {
  const random = createRandom(options.seed);
  const records = generateRecords(random);
  const customers: Person[] = records
    .filter((r) => r.type === "contact" || r.type === "lead" || r.type === "account")
    .map((r) => ({ name: r.name ?? r.id, address: r.emailAddresses[0] as string }));
  const colleagues: Person[] = records
    .filter((r) => r.type === "systemuser" && r.id !== MAILBOX.userId)
    .map((r) => ({ name: r.name ?? r.id, address: r.emailAddresses[0] as string }));
  const owner: Person = { name: MAILBOX.name, address: MAILBOX.address };
  const start = (options.start ?? new Date(Date.UTC(2025, 0, 6, 8))).getTime();
  const days = options.days ?? 180;

  const files: SyntheticMailbox["files"] = [];
  const composition: Record<string, number> = {};
  const count = (what: string, n = 1) => (composition[what] = (composition[what] ?? 0) + n);
  let tokenCounter = 0;
  let thread = 0;

  const emit = (message: MessageSpec) => {
    if (files.length >= options.messages) return false;
    files.push({ name: `${String(files.length + 1).padStart(6, "0")}.eml`, source: renderMessage(message, random) });
    return true;
  };

  while (files.length < options.messages) {
    thread++;
    const threadStart = start + random.next() * days * 86_400_000;
    const kind = random.next();
    if (kind < 0.12) {
      // Newsletter: bulk mail with List-Id, from a sender that is no record.
      const list = random.int(1, 15);
      count("newsletter");
      emit({
        from: { name: `Industry News ${list}`, address: `news@list${list}.example.net` },
        to: [owner],
        subject: `Weekly digest #${thread}: ${random.pick(TOPICS).replace("{n}", String(thread)).replace("{y}", "2025").replace("{c}", "spring")}`,
        date: new Date(threadStart),
        messageId: `nl.${thread}@list${list}.example.net`,
        extraHeaders: [`List-Id: <digest.list${list}.example.net>`, `List-Unsubscribe: <mailto:leave@list${list}.example.net>`, "Precedence: bulk"],
        html: true,
      });
      continue;
    }
    if (kind < 0.22) {
      // Strangers: nobody the CRM knows; sometimes the owner answers.
      const stranger = { name: `${random.pick(FIRST)} ${random.pick(LAST)}`, address: `someone${thread}@mail${random.int(1, 50)}.example.com` };
      const length = random.int(1, 2);
      count("stranger", length);
      runThread({ participants: [stranger], starter: stranger, length, threadStart, headerStyle: "inReplyTo", token: undefined, threadIndex: random.chance(0.5) });
      continue;
    }
    if (kind < 0.27) {
      const colleague = random.pick(colleagues);
      const length = random.int(1, 3);
      count("internal", length);
      runThread({ participants: [colleague], starter: random.chance(0.5) ? colleague : owner, length, threadStart, headerStyle: "inReplyTo", token: undefined, threadIndex: true });
      continue;
    }
    // A customer thread: 1–8 messages between the owner and 1–3 customers.
    const participants = Array.from({ length: random.chance(0.75) ? 1 : random.int(2, 3) }, () => random.pick(customers));
    const starter = random.chance(0.55) ? owner : (participants[0] as Person);
    const length = random.int(1, 8);
    const style = random.next();
    const headerStyle: HeaderStyle = style < 0.6 ? "inReplyTo" : style < 0.75 ? "referencesOnly" : style < 0.9 ? "threadIndexOnly" : "subjectOnly";
    // Email sent from the CRM carries a tracking token that replies keep in the subject.
    const token = starter === owner && random.chance(0.35)
      ? formatTrackingToken({ prefix: "CRM:", baseNumber: 0, userNumber: 1, counter: ++tokenCounter, userDigits: 3, counterDigits: 3 })
      : undefined;
    count(`customer thread (${headerStyle}${token ? ", token" : ""})`, length);
    runThread({ participants, starter, length, threadStart, headerStyle, token, threadIndex: headerStyle === "threadIndexOnly" || random.chance(0.5) });
  }
  return { records, files, composition };

  function runThread(spec: {
    participants: Person[];
    starter: Person;
    length: number;
    threadStart: number;
    headerStyle: HeaderStyle;
    token: string | undefined;
    threadIndex: boolean;
  }) {
    const topic = random.pick(TOPICS).replace("{n}", String(1000 + thread)).replace("{y}", "2025").replace("{c}", random.pick(COMPANY));
    const baseSubject = spec.token ? `${capitalize(topic)} ${spec.token}` : capitalize(topic);
    let time = spec.threadStart;
    let index = spec.threadIndex ? createConversationIndex({ time: new Date(time), guid: random.bytes(16) }) : undefined;
    const ids: string[] = [];
    let from = spec.starter;
    for (let n = 0; n < spec.length; n++) {
      if (n > 0) {
        time += random.int(10, 60 * 48) * 60_000;
        if (index) index = appendChildBlock(index, { time: new Date(time), random: random.int(0, 15) });
        from = from.address === owner.address ? (random.pick(spec.participants)) : owner;
      }
      const to = from.address === owner.address ? spec.participants : [owner, ...spec.participants.filter((p) => p.address !== from.address)];
      const messageId = `${thread}.${n}.${Math.floor(random.next() * 1e9).toString(36)}@${from.address.split("@")[1]}`;
      const reply = n > 0 && spec.headerStyle !== "threadIndexOnly" && spec.headerStyle !== "subjectOnly";
      emit({
        from,
        to: to.length > 0 ? to : [owner],
        subject: n === 0 ? baseSubject : `RE: ${baseSubject}`,
        date: new Date(time),
        messageId,
        ...(reply && spec.headerStyle === "inReplyTo" ? { inReplyTo: ids[ids.length - 1] } : {}),
        ...(reply ? { references: ids.slice(-5) } : {}),
        ...(index ? { threadIndex: index } : {}),
        html: random.chance(0.3),
      });
      ids.push(messageId);
    }
  }
}

type HeaderStyle = "inReplyTo" | "referencesOnly" | "threadIndexOnly" | "subjectOnly";

interface MessageSpec {
  from: Person;
  to: Person[];
  subject: string;
  date: Date;
  messageId: string;
  inReplyTo?: string | undefined;
  references?: string[];
  threadIndex?: string;
  extraHeaders?: string[];
  html: boolean;
}

/** 1–20 KB of text for most messages; about 1 in 200 carries a ~500 KB attachment. */
function renderMessage(message: MessageSpec, random: Random): string {
  const address = (p: Person) => `${encodeName(p.name)} <${p.address}>`;
  const headers = [
    `Message-ID: <${message.messageId}>`,
    `Date: ${message.date.toUTCString().replace("GMT", "+0000")}`,
    `From: ${address(message.from)}`,
    `To: ${message.to.map(address).join(", ")}`,
    `Subject: ${encodeName(message.subject)}`,
    ...(message.inReplyTo ? [`In-Reply-To: <${message.inReplyTo}>`] : []),
    ...(message.references && message.references.length > 0 ? [`References: ${message.references.map((id) => `<${id}>`).join(" ")}`] : []),
    ...(message.threadIndex ? [`Thread-Index: ${message.threadIndex}`] : []),
    ...(message.extraHeaders ?? []),
    "MIME-Version: 1.0",
  ];
  const text = paragraphs(random, random.int(1_000, 20_000));
  const attachment = random.chance(0.005) ? random.bytes(random.int(450_000, 550_000)) : undefined;
  if (!message.html && !attachment) {
    return `${headers.join("\r\n")}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}\r\n`;
  }
  const boundary = `b${Math.floor(random.next() * 1e12).toString(36)}`;
  const parts = [`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}`];
  if (message.html) {
    const html = `<html><body>${text.split("\n\n").map((p) => `<p>${p}</p>`).join("")}</body></html>`;
    parts.push(`Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}`);
  }
  if (attachment) {
    const base64 = Buffer.from(attachment).toString("base64").replace(/.{76}/g, "$&\r\n");
    parts.push(`Content-Type: application/pdf; name="spec.pdf"\r\nContent-Disposition: attachment; filename="spec.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}`);
  }
  const type = attachment ? "multipart/mixed" : "multipart/alternative";
  return `${headers.join("\r\n")}\r\nContent-Type: ${type}; boundary="${boundary}"\r\n\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`;
}

function paragraphs(random: Random, bytes: number): string {
  const out: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words = Array.from({ length: random.int(20, 60) }, () => random.pick(WORDS));
    const line = `${capitalize(words.join(" "))}.`.replace(/(.{1,72})(\s|$)/g, "$1\n").trimEnd();
    out.push(line);
    size += line.length + 2;
  }
  return out.join("\n\n");
}

/** RFC 2047 for non-ASCII display names and subjects. */
function encodeName(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?utf-8?B?${Buffer.from(text).toString("base64")}?=`;
}

function slug(name: string): string {
  return name.normalize("NFD").replace(/[^A-Za-z]+/g, ".").toLowerCase().replace(/^\.|\.$/g, "");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Writes the mailbox's .eml files and records.json under `directory`; returns the paths. */
export async function writeMailbox(mailbox: SyntheticMailbox, directory: string): Promise<{ mailDir: string; recordsFile: string }> {
  const mailDir = path.join(directory, "mail");
  await mkdir(mailDir, { recursive: true });
  for (const file of mailbox.files) await writeFile(path.join(mailDir, file.name), file.source);
  const recordsFile = path.join(directory, "records.json");
  await writeFile(recordsFile, JSON.stringify(mailbox.records));
  return { mailDir, recordsFile };
}
