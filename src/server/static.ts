// The review console's static files (built by `npm run build` into dist/console/), served at `/` from memory:
// gzipped once at start, with ETags, long cache lifetimes for the hashed assets and a strict
// Content-Security-Policy on the page. Same origin as the API: the page calls /v1 with the key it was given.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * The console's Content-Security-Policy: scripts and styles from this origin only (no inline code, no eval),
 * API calls to this origin only, photos from this origin, data URIs or https, nothing framed or framing.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);

interface StaticFile {
  type: string;
  body: Buffer;
  gzip: Buffer | undefined;
  etag: string;
  cache: string;
  html: boolean;
}

function walk(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full, base));
    else out.push(path.relative(base, full).split(path.sep).join("/"));
  }
  return out;
}

/** The files of a built console folder, by URL path ("/" is index.html); undefined when it has no index.html. */
export function loadConsole(dir: string): Map<string, StaticFile> | undefined {
  if (!statSync(path.join(dir, "index.html"), { throwIfNoEntry: false })?.isFile()) return undefined;
  const files = new Map<string, StaticFile>();
  for (const rel of walk(dir)) {
    const ext = path.extname(rel).toLowerCase();
    const type = TYPES[ext];
    if (type === undefined) continue;
    const body = readFileSync(path.join(dir, rel));
    const html = ext === ".html";
    const file: StaticFile = {
      type,
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length > 256 ? gzipSync(body, { level: 9 }) : undefined,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
      // Vite names the assets by their content hash: they never change under a name.
      cache: rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      html,
    };
    files.set(`/${rel}`, file);
    if (rel === "index.html") files.set("/", file);
  }
  return files;
}

function send(req: FastifyRequest, reply: FastifyReply, f: StaticFile): FastifyReply {
  reply.header("cache-control", f.cache).header("etag", f.etag).header("vary", "accept-encoding");
  if (f.html) {
    reply
      .header("content-security-policy", CONSOLE_CSP)
      .header("referrer-policy", "no-referrer")
      .header("x-frame-options", "DENY")
      .header("cross-origin-opener-policy", "same-origin");
  }
  if (req.headers["if-none-match"] === f.etag) return reply.code(304).send();
  reply.type(f.type);
  const gz = f.gzip !== undefined && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
  if (gz) return reply.header("content-encoding", "gzip").send(f.gzip);
  return reply.send(f.body);
}

/**
 * Serves the built console in `dir` at `/` (exempt from keys and shedding, like /docs: the page holds no data;
 * every call it makes goes through /v1 with the key). Returns false when `dir` holds no built console.
 */
export function registerConsole(app: FastifyInstance, dir: string): boolean {
  const files = loadConsole(dir);
  if (!files) return false;
  for (const [url, f] of files) {
    app.get(url, { config: { ops: true } }, (req, reply) => send(req, reply, f));
  }
  return true;
}
