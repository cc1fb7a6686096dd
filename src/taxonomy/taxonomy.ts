// A category tree with stable ids: lookups by id and by path, tree walks, renames, JSON round trip.

import { InvalidInputError, type RowIssue } from "../core/errors.js";
import { DEFAULT_PATH_SEPARATOR } from "../core/product.js";
import { checkEntries, separatorParts, type NodeEntry } from "./build.js";

/** One category: a stable id, its own name (one level), its parent's id (null at the top) and its 1-based depth. */
export interface TaxonomyNode {
  readonly id: string;
  readonly name: string;
  readonly parent: string | null;
  /** 1 for a top-level category, 2 for its children, and so on. */
  readonly depth: number;
}

/** A node as given to {@link Taxonomy}: id, name and parent id (null or absent at the top). */
export interface TaxonomyNodeInput {
  id: string;
  name: string;
  parent?: string | null;
}

/** The serialized form written by {@link Taxonomy.toJSON} and read by {@link Taxonomy.fromJSON}. */
export interface TaxonomyJson {
  format: "assort-taxonomy";
  version: 1;
  separator: string;
  /** In tree order: every parent before its children. */
  nodes: { id: string; name: string; parent: string | null }[];
}

/** Options of the {@link Taxonomy} constructor. */
export interface TaxonomyOptions {
  /** Joins names into paths and splits paths in lookups. Default " > ". */
  separator?: string;
  /** Name of the source in error messages. Default "<nodes>". */
  file?: string;
}

/**
 * A category tree. Nodes keep their ids when renamed, so labels can be stored as ids and shown as paths.
 * Paths join the names from the top level down with the separator (default " > ").
 * @example
 * const t = new Taxonomy([{ id: "1", name: "Electronics" }, { id: "2", name: "Phones", parent: "1" }]);
 * t.path("2"); // "Electronics > Phones"
 * t.rename("2", "Mobile Phones");
 * t.byPath("Electronics > Mobile Phones")?.id; // "2"
 */
export class Taxonomy {
  readonly separator: string;
  readonly #nodes = new Map<string, TaxonomyNode>(); // in tree order
  readonly #children = new Map<string | null, string[]>();
  #byPath: Map<string, string> | undefined;
  #depth = 0;

  /**
   * Builds a taxonomy from nodes in any order. Throws InvalidInputError listing every problem (the line
   * is the node's 1-based index): duplicate ids, unknown parents, cycles, empty or duplicate sibling names,
   * names containing the separator.
   */
  constructor(nodes: readonly TaxonomyNodeInput[], options: TaxonomyOptions = {}) {
    this.separator = options.separator ?? DEFAULT_PATH_SEPARATOR;
    separatorParts(this.separator);
    const file = options.file ?? "<nodes>";
    const entries: NodeEntry[] = nodes.map((n, i) => {
      if (n === null || typeof n !== "object" || typeof n.id !== "string" || typeof n.name !== "string") {
        throw new TypeError(`Invalid taxonomy node at index ${i}: expected { id: string, name: string, parent?: string | null }`);
      }
      const p = n.parent;
      if (p !== undefined && p !== null && typeof p !== "string") throw new TypeError(`Invalid taxonomy node at index ${i}: parent must be a string or null`);
      return { id: n.id, name: n.name, parent: p ?? null, line: i + 1 };
    });
    const checked = checkEntries(entries, file, this.separator);
    if (checked.issues.length > 0) throw taxonomyError(file, checked.issues);
    for (const n of checked.nodes) {
      this.#nodes.set(n.id, Object.freeze({ ...n }));
      const list = this.#children.get(n.parent);
      if (list) list.push(n.id);
      else this.#children.set(n.parent, [n.id]);
      if (n.depth > this.#depth) this.#depth = n.depth;
    }
  }

  /** Reads what {@link toJSON} wrote (or any form {@link parseTaxonomyJson} accepts as a flat node list). */
  static fromJSON(value: unknown): Taxonomy {
    if (Array.isArray(value)) return new Taxonomy(value as TaxonomyNodeInput[], { file: "<json>" });
    if (value === null || typeof value !== "object" || !Array.isArray((value as TaxonomyJson).nodes)) {
      throw new TypeError('Invalid taxonomy JSON: expected { separator, nodes: [{ id, name, parent }] }');
    }
    const v = value as TaxonomyJson;
    return new Taxonomy(v.nodes, { separator: typeof v.separator === "string" ? v.separator : DEFAULT_PATH_SEPARATOR, file: "<json>" });
  }

  /** Number of nodes. */
  get size(): number {
    return this.#nodes.size;
  }

  /** Depth of the deepest node (0 for an empty taxonomy). */
  get depth(): number {
    return this.#depth;
  }

  has(id: string): boolean {
    return this.#nodes.has(id);
  }

  /** The node with this id, or undefined. */
  get(id: string): TaxonomyNode | undefined {
    return this.#nodes.get(id);
  }

  /** The node with this id; throws RangeError when there is none. */
  node(id: string): TaxonomyNode {
    const n = this.#nodes.get(id);
    if (n === undefined) throw new RangeError(`Unknown taxonomy id "${id}"`);
    return n;
  }

  /**
   * The node at a full path, or undefined. A string must match exactly (names joined with the
   * separator); an array gives the names level by level. For forgiving matches use LabelMatcher.
   */
  byPath(path: string | readonly string[]): TaxonomyNode | undefined {
    const key = typeof path === "string" ? path : path.join(this.separator);
    const id = this.#pathIndex().get(key);
    return id === undefined ? undefined : this.#nodes.get(id);
  }

  /** All nodes in tree order (each parent before its children, siblings in input order). */
  nodes(): TaxonomyNode[] {
    return [...this.#nodes.values()];
  }

  /** Top-level nodes. */
  roots(): TaxonomyNode[] {
    return this.children(null);
  }

  /** Direct children of a node (null: the top-level nodes), in input order. */
  children(id: string | null): TaxonomyNode[] {
    if (id !== null) this.node(id);
    return (this.#children.get(id) ?? []).map((c) => this.#nodes.get(c)!);
  }

  /** Ancestors of a node from the top level down, not including the node itself. */
  ancestors(id: string): TaxonomyNode[] {
    const out: TaxonomyNode[] = [];
    for (let p = this.node(id).parent; p !== null; p = this.#nodes.get(p)!.parent) out.push(this.#nodes.get(p)!);
    return out.reverse();
  }

  /** Names from the top level down to the node. */
  pathNames(id: string): string[] {
    return [...this.ancestors(id).map((a) => a.name), this.node(id).name];
  }

  /** The node's full path: its names joined with the separator. */
  path(id: string): string {
    return this.pathNames(id).join(this.separator);
  }

  isLeaf(id: string): boolean {
    this.node(id);
    return !this.#children.has(id);
  }

  /** Nodes without children, in tree order. */
  leaves(): TaxonomyNode[] {
    return this.nodes().filter((n) => !this.#children.has(n.id));
  }

  /** Number of nodes at each depth: index 0 holds depth 1. */
  levelCounts(): number[] {
    const counts = new Array<number>(this.#depth).fill(0);
    for (const n of this.#nodes.values()) counts[n.depth - 1]!++;
    return counts;
  }

  /** Number of nodes below a node (children, their children, …). */
  descendantCount(id: string): number {
    let count = 0;
    const stack = [...(this.#children.get(id) ?? [])];
    while (stack.length > 0) {
      count++;
      stack.push(...(this.#children.get(stack.pop()!) ?? []));
    }
    return count;
  }

  /**
   * Renames one node: its path and the paths below it change, every id stays. Throws RangeError for an
   * unknown id, an empty name, a name with the separator or surrounding spaces, or a sibling's name.
   */
  rename(id: string, newName: string): void {
    const node = this.node(id);
    if (typeof newName !== "string") throw new TypeError("A taxonomy name must be a string");
    const sep = separatorParts(this.separator);
    if (newName.trim() === "") throw new RangeError(`Cannot rename "${this.path(id)}": the new name is empty`);
    if (newName !== newName.trim()) throw new RangeError(`Cannot rename "${this.path(id)}": "${newName}" has leading or trailing spaces`);
    if (newName.includes(sep.core)) throw new RangeError(`Cannot rename "${this.path(id)}": "${newName}" contains the path separator "${sep.core}"`);
    if (newName === node.name) return;
    const twin = this.children(node.parent).find((s) => s.name === newName);
    if (twin !== undefined) throw new RangeError(`Cannot rename "${this.path(id)}": a sibling is already called "${newName}" (id "${twin.id}")`);
    this.#nodes.set(id, Object.freeze({ ...node, name: newName }));
    this.#byPath = undefined;
  }

  /** The serialized form: separator and nodes in tree order. */
  toJSON(): TaxonomyJson {
    return {
      format: "assort-taxonomy",
      version: 1,
      separator: this.separator,
      nodes: this.nodes().map((n) => ({ id: n.id, name: n.name, parent: n.parent })),
    };
  }

  #pathIndex(): Map<string, string> {
    if (this.#byPath !== undefined) return this.#byPath;
    const index = new Map<string, string>();
    const paths = new Map<string, string>();
    for (const n of this.#nodes.values()) {
      const p = n.parent === null ? n.name : `${paths.get(n.parent)!}${this.separator}${n.name}`;
      paths.set(n.id, p);
      index.set(p, n.id);
    }
    this.#byPath = index;
    return index;
  }
}

/** Most problems listed in an error message; the error's `issues` hold all of them. */
const MAX_LISTED = 50;

/** The error of a taxonomy that cannot be built: every problem, each with its file and line. */
export function taxonomyError(file: string, issues: readonly RowIssue[]): InvalidInputError {
  if (issues.length === 1) return new InvalidInputError(issues, 1, `Cannot read taxonomy ${InvalidInputError.format(issues[0]!)}`);
  const shown = issues.slice(0, MAX_LISTED).map((i) => `  ${InvalidInputError.format(i)}`);
  if (issues.length > MAX_LISTED) shown.push(`  … and ${issues.length - MAX_LISTED} more`);
  return new InvalidInputError(issues, issues.length, `Cannot read taxonomy "${file}": ${issues.length} problems:\n${shown.join("\n")}`);
}
