// Reads a clustering's assignments file (JSONL: {"id": …, "cluster": …} per line), validating every line.
import { isUtf8 } from "node:buffer";
import { InvalidInputError, type RowIssue } from "../core/errors.js";
import { isBlank, openInput, readLines } from "./read-lines.js";

/** One product's cluster, as `assort cluster` writes it (-1 = noise). */
export interface Assignment {
  id: string;
  cluster: number;
  line: number;
}

const MAX_LISTED = 20;

/**
 * Reads assignments from a JSONL file or stream. Every line must be an object with a string or number `id`
 * and an integer `cluster` (≥ -1); ids must be unique. All problems are collected and thrown as one
 * InvalidInputError naming file, line and field (the first 20 listed).
 * @example const rows = await readAssignments("out/assignments.jsonl");
 */
export async function readAssignments(source: string | NodeJS.ReadableStream, fileLabel?: string): Promise<Assignment[]> {
  const file = fileLabel ?? (typeof source === "string" ? source : "<stdin>");
  const opened = typeof source === "string" ? await openInput(source) : undefined;
  const stream = opened ?? (source as NodeJS.ReadableStream);
  const out: Assignment[] = [];
  const issues: RowIssue[] = [];
  let total = 0;
  const bad = (line: number, message: string, field?: string): void => {
    total++;
    if (issues.length < MAX_LISTED) issues.push(field === undefined ? { file, line, message } : { file, line, field, message });
  };
  const seen = new Map<string, number>();
  try {
    for await (const batch of readLines(stream, { file })) {
      for (const { line, bytes } of batch) {
        if (bytes === undefined) {
          bad(line, "line too long");
          continue;
        }
        if (bytes.length === 0 || isBlank(bytes)) continue;
        if (!isUtf8(bytes)) {
          bad(line, "invalid UTF-8");
          continue;
        }
        let v: unknown;
        try {
          v = JSON.parse(bytes.toString("utf8"));
        } catch (e) {
          bad(line, `invalid JSON: ${(e as Error).message}`);
          continue;
        }
        if (v === null || typeof v !== "object" || Array.isArray(v)) {
          bad(line, "expected a JSON object with id and cluster");
          continue;
        }
        const row = v as Record<string, unknown>;
        const id = row["id"];
        const cluster = row["cluster"];
        if (typeof id !== "string" && typeof id !== "number") {
          bad(line, id === undefined ? "is missing" : `must be a string or number, got ${JSON.stringify(id)}`, "id");
          continue;
        }
        if (typeof cluster !== "number" || !Number.isInteger(cluster) || cluster < -1) {
          bad(line, cluster === undefined ? "is missing" : `must be an integer cluster id (−1 for noise), got ${JSON.stringify(cluster)}`, "cluster");
          continue;
        }
        const key = String(id);
        const first = seen.get(key);
        if (first !== undefined) {
          bad(line, `duplicate id "${key}" (first on line ${first})`, "id");
          continue;
        }
        seen.set(key, line);
        out.push({ id: key, cluster, line });
      }
    }
  } finally {
    opened?.destroy();
  }
  if (total > 0) throw new InvalidInputError(issues, total);
  return out;
}
