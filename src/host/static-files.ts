// Serving a built single-page app from one HTTP function. The files are read once, on the first
// request, into an in-memory table keyed by their path: a request path is only ever a key in that
// table, so nothing a caller sends decides what is read from disk (no path traversal by design).
// Hashed assets are immutable; everything else is revalidated with its ETag.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";

export interface SiteFile {
  body: Buffer;
  contentType: string;
  /** Strong ETag of the uncompressed body, quoted. */
  etag: string;
  /** Content-hashed name (under the assets folder): cached for a year. */
  immutable: boolean;
  br?: Buffer;
  gzip?: Buffer;
}

export type SiteFiles = ReadonlyMap<string, SiteFile>;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Compressing tiny files costs more than it saves. */
const COMPRESS_FROM_BYTES = 1024;
/** A built site is a few dozen files; a bound keeps a wrong root (say, "/") from being read whole. */
const MAX_FILES = 500;

export interface LoadSiteFilesOptions {
  root: string;
  /** Folder (relative to root) whose file names carry a content hash. */
  immutableDir: string;
}

/** Undefined when the root does not exist (the site was not built). */
export async function loadSiteFiles(options: LoadSiteFilesOptions): Promise<SiteFiles | undefined> {
  const rootStat = await stat(options.root).catch(() => undefined);
  if (!rootStat?.isDirectory()) return undefined;
  const files = new Map<string, SiteFile>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      const contentType = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
      if (!entry.isFile() || contentType === undefined) continue;
      if (files.size >= MAX_FILES) throw new Error(`${options.root} holds more than ${MAX_FILES} files: is it the built site?`);
      const key = path.relative(options.root, full).split(path.sep).join("/");
      const body = await readFile(full);
      files.set(key, {
        body,
        contentType,
        etag: strongEtag(body),
        immutable: key.startsWith(`${options.immutableDir}/`),
        ...compressed(body, contentType),
      });
    }
  };
  await walk(options.root);
  return files;
}

/** A quoted strong ETag from the content (SHA-256, 160 bits of it). */
export function strongEtag(body: Uint8Array): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

function compressed(body: Buffer, contentType: string): Pick<SiteFile, "br" | "gzip"> {
  const text = /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/.test(contentType);
  if (!text || body.length < COMPRESS_FROM_BYTES) return {};
  return {
    br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    gzip: gzipSync(body, { level: 9 }),
  };
}

export type SitePath =
  | { kind: "file"; key: string }
  /** A client-side route: answered with index.html. */
  | { kind: "page" }
  | { kind: "bad"; reason: string };

const MAX_PATH_LENGTH = 1024;

/**
 * What a request path below the site's mount point names. `rawPath` is still percent-encoded
 * (as in the URL), so an encoded slash or dot segment cannot slip past the checks.
 */
export function parseSitePath(rawPath: string): SitePath {
  if (rawPath.length > MAX_PATH_LENGTH) return { kind: "bad", reason: `path longer than ${MAX_PATH_LENGTH} characters` };
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { kind: "bad", reason: `"${raw}" is not a valid percent-encoded path segment` };
    }
    if (segment === "." || segment === "..") return { kind: "bad", reason: "dot segments are not allowed" };
    // eslint-disable-next-line no-control-regex
    if (/[\\/\u0000-\u001f\u007f]/.test(segment)) return { kind: "bad", reason: "a path segment holds a slash, backslash or control character" };
    segments.push(segment);
  }
  const last = segments.at(-1);
  // A name with a static file's extension is a file; anything else (say mailboxes/ada@contoso.com)
  // is one of the app's own pages.
  if (last === undefined || CONTENT_TYPES[path.extname(last).toLowerCase()] === undefined) return { kind: "page" };
  return { kind: "file", key: segments.join("/") };
}

export type Encoding = "br" | "gzip" | "identity";

/** The best encoding the client accepts among those the file has (q=0 refuses one). */
export function chooseEncoding(acceptEncoding: string | null, file: Pick<SiteFile, "br" | "gzip">): Encoding {
  if (!acceptEncoding) return "identity";
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name = "", ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (file.br && wants("br")) return "br";
  if (file.gzip && wants("gzip")) return "gzip";
  return "identity";
}

/** If-None-Match with weak comparison (RFC 9110 §13.1.2): a list, `*`, or W/ forms all count. */
export function matchesEtag(ifNoneMatch: string | null, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
}

export const IMMUTABLE_CACHE = "public, max-age=31536000, immutable";
export const REVALIDATE_CACHE = "no-cache";
