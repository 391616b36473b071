// PidTagConversationIndex (MS-OXOMSG 2.2.1.3), the same bytes as the MIME Thread-Index header:
//   header (22 bytes) = reserved 0x01
//                     + 5 bytes: the high 40 bits of a FILETIME (100-ns ticks since 1601-01-01
//                       UTC), big-endian; the low 24 bits are dropped
//                     + 16-byte GUID, Data1..Data3 big-endian
//   then one 5-byte child block per reply or forward:
//     1 bit delta code, 31 bits time delta (relative to the header time), 4 bits random,
//     4 bits sequence.
// Every message of a thread shares the header, so the header (as hex) is the thread key.
import { randomBytes } from "node:crypto";

export interface ConversationIndexChild {
  time: Date;
  random: number;
  sequence: number;
}

export interface ConversationIndex {
  bytes: Uint8Array;
  /** Lower-case hex of the 22-byte header: equal for every message of the thread. */
  threadKey: string;
  headerTime: Date;
  /** Formatted 8-4-4-4-12, lower-case, bytes in stored (big-endian) order. */
  guid: string;
  childCount: number;
  children: ConversationIndexChild[];
  /** Canonical (re-encoded, padded) base64. */
  base64: string;
}

export type ParseConversationIndexResult =
  | { ok: true; index: ConversationIndex }
  | { ok: false; reason: string };

const HEADER_LENGTH = 22;
const CHILD_LENGTH = 5;
/** Milliseconds from 1601-01-01 to 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
const TICKS_PER_MS = 10_000n;
const MAX_DELTA_BITS = 0x7fff_ffffn;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function readUint(bytes: Uint8Array, start: number, length: number): bigint {
  let value = 0n;
  for (let i = start; i < start + length; i += 1) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  return value;
}

function ticksToDate(ticks: bigint): Date {
  return new Date(Number(ticks / TICKS_PER_MS - FILETIME_EPOCH_OFFSET_MS));
}

function dateToTicks(time: Date, name: string): bigint {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid date`);
  const ticks = (BigInt(ms) + FILETIME_EPOCH_OFFSET_MS) * TICKS_PER_MS;
  if (ticks < 0n) throw new RangeError(`${name} is before 1601-01-01, which FILETIME cannot hold`);
  return ticks;
}

function headerTicks(bytes: Uint8Array): bigint {
  return readUint(bytes, 1, 5) << 24n;
}

function decodeChild(bytes: Uint8Array, offset: number, base: bigint): ConversationIndexChild {
  const word = readUint(bytes, offset, 4);
  const last = bytes[offset + 4] ?? 0;
  const delta = word & MAX_DELTA_BITS;
  const shift = (word >> 31n) === 0n ? 18n : 23n;
  return { time: ticksToDate(base + (delta << shift)), random: last >> 4, sequence: last & 0x0f };
}

/** Reads a Graph `conversationIndex` or MIME `Thread-Index` value. Never throws. */
export function parseConversationIndex(
  value: string | null | undefined,
): ParseConversationIndexResult {
  if (value === null || value === undefined) return { ok: false, reason: "conversation index is missing" };
  // Folded header lines leave whitespace inside the value.
  const compact = value.replace(/\s+/g, "");
  if (compact.length === 0) return { ok: false, reason: "conversation index is empty" };
  if (!BASE64.test(compact) || compact.length % 4 === 1 || (compact.includes("=") && compact.length % 4 !== 0)) {
    return { ok: false, reason: "conversation index is not valid base64" };
  }
  const bytes = new Uint8Array(Buffer.from(compact, "base64"));
  if (bytes.length < HEADER_LENGTH) {
    return {
      ok: false,
      reason: `conversation index is ${bytes.length} bytes, shorter than the ${HEADER_LENGTH}-byte header`,
    };
  }
  if ((bytes.length - HEADER_LENGTH) % CHILD_LENGTH !== 0) {
    return {
      ok: false,
      reason: `conversation index is ${bytes.length} bytes: not a ${HEADER_LENGTH}-byte header plus 5-byte child blocks`,
    };
  }
  const header = bytes.subarray(0, HEADER_LENGTH);
  const base = headerTicks(bytes);
  const guidHex = toHex(bytes.subarray(6, HEADER_LENGTH));
  const childCount = (bytes.length - HEADER_LENGTH) / CHILD_LENGTH;
  const children: ConversationIndexChild[] = [];
  for (let i = 0; i < childCount; i += 1) {
    children.push(decodeChild(bytes, HEADER_LENGTH + i * CHILD_LENGTH, base));
  }
  return {
    ok: true,
    index: {
      bytes,
      threadKey: toHex(header),
      headerTime: ticksToDate(base),
      guid: [
        guidHex.slice(0, 8),
        guidHex.slice(8, 12),
        guidHex.slice(12, 16),
        guidHex.slice(16, 20),
        guidHex.slice(20),
      ].join("-"),
      childCount,
      children,
      base64: Buffer.from(bytes).toString("base64"),
    },
  };
}

export interface CreateConversationIndexOptions {
  time: Date;
  /** 16 bytes; random when absent. */
  guid?: Uint8Array;
}

/** A new thread's 22-byte header, base64. */
export function createConversationIndex(options: CreateConversationIndexOptions): string {
  const guid = options.guid ?? randomBytes(16);
  if (guid.length !== 16) throw new RangeError(`guid must be 16 bytes, got ${guid.length}`);
  const high40 = dateToTicks(options.time, "time") >> 24n;
  if (high40 > 0xff_ffff_ffffn) throw new RangeError("time is too late for a FILETIME");
  const bytes = new Uint8Array(HEADER_LENGTH);
  bytes[0] = 0x01;
  for (let i = 0; i < 5; i += 1) bytes[1 + i] = Number((high40 >> BigInt(8 * (4 - i))) & 0xffn);
  bytes.set(guid, 6);
  return Buffer.from(bytes).toString("base64");
}

export interface AppendChildBlockOptions {
  time: Date;
  /** 0–15; random when absent. */
  random?: number;
}

/**
 * The parent's value plus one child block for a reply or forward sent at `time`.
 * A time before the header time is recorded as a zero delta; the sequence nibble is the
 * parent's child count modulo 16. Throws on an invalid parent: callers create the parent.
 */
export function appendChildBlock(parentBase64: string, options: AppendChildBlockOptions): string {
  const parsed = parseConversationIndex(parentBase64);
  if (!parsed.ok) throw new TypeError(`parentBase64: ${parsed.reason}`);
  const random = options.random ?? (randomBytes(1)[0] ?? 0) & 0x0f;
  if (!Number.isInteger(random) || random < 0 || random > 15) {
    throw new RangeError(`random must be an integer from 0 to 15, got ${random}`);
  }
  const { bytes, childCount } = parsed.index;
  let delta = dateToTicks(options.time, "time") - headerTicks(bytes);
  if (delta < 0n) delta = 0n;
  // Short deltas keep finer resolution (2^18 ticks ≈ 26 ms); long ones 2^23 ticks ≈ 0.8 s.
  const longDelta = delta >= 1n << 48n;
  let bits = longDelta ? delta >> 23n : delta >> 18n;
  if (bits > MAX_DELTA_BITS) bits = MAX_DELTA_BITS;
  const word = (longDelta ? 1n << 31n : 0n) | bits;
  const child = new Uint8Array(CHILD_LENGTH);
  for (let i = 0; i < 4; i += 1) child[i] = Number((word >> BigInt(8 * (3 - i))) & 0xffn);
  child[4] = (random << 4) | (childCount & 0x0f);
  const result = new Uint8Array(bytes.length + CHILD_LENGTH);
  result.set(bytes, 0);
  result.set(child, bytes.length);
  return Buffer.from(result).toString("base64");
}

/** The correlation lookup key of a thread. */
export function conversationIndexKey(threadKey: string): string {
  return `cix:${threadKey}`;
}
