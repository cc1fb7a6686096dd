// Structural checks shared by every taxonomy builder: ids, parents, cycles, sibling names, tree order.

import type { RowIssue } from "../core/errors.js";
import { MAX_PATH_LEVELS } from "../core/product.js";

/** One node as a builder read it, with where it came from (for messages). */
export interface NodeEntry {
  id: string;
  name: string;
  parent: string | null;
  /** 1-based line of the node in its source. */
  line: number;
  /** Field names used in messages for the id, name and parent (default "id", "name", "parent"). */
  fields?: { id?: string; name?: string; parent?: string };
}

/** A checked node in tree order (every parent before its children), with its 1-based depth. */
export interface OrderedNode {
  id: string;
  name: string;
  parent: string | null;
  depth: number;
}

/** What {@link checkEntries} found: the nodes in tree order when there are no issues. */
export interface CheckedEntries {
  nodes: OrderedNode[];
  issues: RowIssue[];
  warnings: RowIssue[];
}

/** The separator with its core (the part that splits) and the padding expected around the core. */
export interface SeparatorParts {
  full: string;
  core: string;
  before: string;
  after: string;
}

/** Splits a separator such as " > " into core ">" and padding " " / " "; an all-space separator is its own core. */
export function separatorParts(separator: string): SeparatorParts {
  if (typeof separator !== "string" || separator === "") throw new RangeError("Invalid separator: must be a non-empty string");
  const core = separator.trim();
  if (core === "") return { full: separator, core: separator, before: "", after: "" };
  const start = separator.indexOf(core);
  return { full: separator, core, before: separator.slice(0, start), after: separator.slice(start + core.length) };
}

/** Normalized form of a name for "same except for case and spacing" comparisons. */
export function looseName(name: string): string {
  return name.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
}

/**
 * Checks nodes read from a file and puts them in tree order. Problems, each with the entry's line:
 * empty names, names containing the separator, duplicate ids (naming the first line), unknown parent
 * ids, cycles (naming every id in the cycle), duplicate sibling names, nodes deeper than
 * {@link MAX_PATH_LEVELS} (reported once, at the first such node of each chain). Sibling names that differ
 * only in case or spacing are warnings. Runs in O(n), without recursion.
 */
export function checkEntries(entries: readonly NodeEntry[], file: string, separator: string): CheckedEntries {
  const sep = separatorParts(separator);
  const issues: RowIssue[] = [];
  const warnings: RowIssue[] = [];
  const issue = (e: NodeEntry, key: "id" | "name" | "parent", message: string, into = issues) =>
    into.push({ file, line: e.line, field: e.fields?.[key] ?? key, message });

  const byId = new Map<string, NodeEntry>();
  for (const e of entries) {
    if (e.name.trim() === "") issue(e, "name", "empty name");
    else if (e.name.includes(sep.core)) {
      issue(e, "name", `name "${e.name}" contains the path separator "${sep.core}"`);
    }
    if (e.id === "") {
      issue(e, "id", "empty id");
      continue;
    }
    const first = byId.get(e.id);
    if (first === undefined) byId.set(e.id, e);
    else issue(e, "id", `duplicate id "${e.id}": also used on line ${first.line}`);
  }

  for (const e of byId.values()) {
    if (e.parent !== null && !byId.has(e.parent)) issue(e, "parent", `unknown parent id "${e.parent}"`);
  }

  // Cycles: follow parent links; a walk that meets itself closed a cycle. Each node is walked once.
  const walkOf = new Map<string, number>();
  let walkNo = 0;
  for (const start of byId.keys()) {
    if (walkOf.has(start)) continue;
    const walk: string[] = [];
    let cur: string | null = start;
    walkNo++;
    while (cur !== null && byId.has(cur) && !walkOf.has(cur)) {
      walkOf.set(cur, walkNo);
      walk.push(cur);
      cur = byId.get(cur)!.parent;
    }
    if (cur !== null && walkOf.get(cur) === walkNo) {
      const cycle = walk.slice(walk.indexOf(cur));
      const at = cycle.map((id) => byId.get(id)!).reduce((a, b) => (b.line < a.line ? b : a));
      const ids = [...cycle, cycle[0]!].map((id) => `"${id}"`).join(" → ");
      issue(at, "parent", `cycle in parent ids: ${ids} (line${cycle.length === 1 ? "" : "s"} ${cycle.map((id) => byId.get(id)!.line).join(", ")})`);
    }
  }

  // Tree order, depth, and sibling names (the walk reaches only nodes outside cycles).
  const kids = new Map<string | null, NodeEntry[]>();
  for (const e of byId.values()) {
    if (e.parent !== null && !byId.has(e.parent)) continue;
    const list = kids.get(e.parent);
    if (list) list.push(e);
    else kids.set(e.parent, [e]);
  }
  const nodes: OrderedNode[] = [];
  const pathOf = new Map<string | null, string>([[null, ""]]);
  const stack: { e: NodeEntry; depth: number }[] = [];
  const pushChildren = (parent: string | null, depth: number) => {
    const list = kids.get(parent) ?? [];
    const seen = new Map<string, NodeEntry>();
    const seenLoose = new Map<string, NodeEntry>();
    const where = parent === null ? "at the top level" : `under "${pathOf.get(parent)}"`;
    for (const e of list) {
      const name = e.name;
      const twin = seen.get(name);
      if (twin !== undefined) {
        issue(e, "name", `duplicate name "${name}" ${where}: also on line ${twin.line} (id "${twin.id}")`);
        continue;
      }
      seen.set(name, e);
      const loose = looseName(name);
      const near = seenLoose.get(loose);
      if (near !== undefined) {
        issue(e, "name", `names "${near.name}" (line ${near.line}) and "${name}" ${where} differ only in case or spacing`, warnings);
      } else seenLoose.set(loose, e);
    }
    for (let i = list.length - 1; i >= 0; i--) stack.push({ e: list[i]!, depth });
  };
  pushChildren(null, 1);
  while (stack.length > 0) {
    const { e, depth } = stack.pop()!;
    if (depth > MAX_PATH_LEVELS) {
      issue(e, "parent", `deeper than ${MAX_PATH_LEVELS} levels: "${e.id}" is at level ${depth}`);
      continue;
    }
    nodes.push({ id: e.id, name: e.name, parent: e.parent, depth });
    const parentPath = pathOf.get(e.parent)!;
    pathOf.set(e.id, parentPath === "" ? e.name : `${parentPath}${sep.full}${e.name}`);
    pushChildren(e.id, depth + 1);
  }
  issues.sort((a, b) => a.line - b.line);
  warnings.sort((a, b) => a.line - b.line);
  return { nodes, issues, warnings };
}
