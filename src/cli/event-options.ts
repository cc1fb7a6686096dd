// Options shared by the shopper verbs (events stats, profile, segment, recommend, evaluate-recs): the event file and
// its field mapping, the item catalogue, and the items to leave out. Parsing only: values go to the library.
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { DEFAULT_EVENT_FIELDS, EVENT_TYPES, readCatalogFile, readEventLog, type EventLog, type EventReadReport, type EventType, type Product } from "../index.js";
import { InvalidInputError } from "../index.js";
import { inputSource, type Ui } from "./io.js";
import { intArg } from "./options.js";

export interface EventFlags {
  events: string;
  userField: string;
  itemField: string;
  typeField: string;
  timeField: string;
  orderField: string;
  quantityField: string;
  priceField: string;
  sessionField?: string;
  eventIdField?: string;
  defaultType?: EventType;
  format?: "auto" | "jsonl" | "csv";
  onBadRow: "fail" | "skip";
  maxFieldChars: number;
  items?: string[];
  itemIdField?: string;
  itemTextFields?: string[];
  categoryField?: string;
  excludeItems?: string[];
}

/** The event file and its field mapping (defaults: the column names of the uci-online-retail export). */
export function addEventOptions(cmd: Command, o: { required?: boolean } = {}): Command {
  const f = DEFAULT_EVENT_FIELDS;
  const events = "shopper events: CSV or JSONL (- for stdin)";
  return (o.required === false ? cmd.option("--events <file>", events) : cmd.requiredOption("--events <file>", events))
    .option("--user-field <name>", "field holding the shopper id", f.user)
    .option("--item-field <name>", "field holding the item id", f.item)
    .option("--type-field <name>", "field holding the event type (view, click, cart, purchase, return, or common aliases)", f.type)
    .option("--time-field <name>", "field holding the ISO 8601 time (a time without a zone is read as UTC)", f.time)
    .option("--order-field <name>", "field holding the order (basket) id", f.order)
    .option("--quantity-field <name>", "field holding the quantity", f.quantity)
    .option("--price-field <name>", "field holding the unit price", f.price)
    .option("--session-field <name>", `field holding the session id (default ${f.session})`)
    .option("--event-id-field <name>", `field holding a unique event id: repeats are stored once (default ${f.eventId})`)
    .addOption(new Option("--default-type <type>", "event type of rows without one").choices([...EVENT_TYPES]))
    .addOption(new Option("--format <format>", "input format (default: from the file extension)").choices(["auto", "jsonl", "csv"]))
    .addOption(new Option("--on-bad-row <mode>", "what to do with a bad row: fail (list the first errors) or skip (count and report)").choices(["fail", "skip"]).default("fail"))
    .option("--max-field-chars <n>", "longest accepted id field", intArg("--max-field-chars", 1), 65536);
}

/** Splits "A,B" or reads "@file" (one id per line) into ids. */
export function idListArg(v: string): string[] {
  const text = v.startsWith("@") ? readFileSync(v.slice(1), "utf8") : v;
  return text
    .split(v.startsWith("@") ? /\r?\n/ : ",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The item catalogue (titles, texts, categories) and the items to leave out. */
export function addItemOptions(cmd: Command): Command {
  return cmd
    .option("--items <file>", "the item catalogue (JSONL or CSV; repeatable): titles for reasons, texts for similar items and item groups, categories", (v: string, acc: string[] = []) => [...acc, v])
    .option("--item-id-field <name>", "catalogue field holding the item id (default: id, else item_id, sku or product_id)")
    .option("--item-text-fields <names>", "catalogue text fields, title first (default: title,description, else description)", (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean))
    .option("--category-field <name>", "catalogue field holding the category (default: category, where present)")
    .option("--exclude-items <ids>", "items never recommended and left out of profiles (comma list, or @file with one id per line), e.g. postage and fees", idListArg);
}

/** Reads the events, telling the user (stderr) about skipped rows and caveats. */
export async function loadEvents(flags: EventFlags, ui: Ui, knownItems?: ReadonlySet<string>, notes = true): Promise<{ log: EventLog; report: EventReadReport }> {
  const fields = {
    user: flags.userField,
    item: flags.itemField,
    type: flags.typeField,
    time: flags.timeField,
    order: flags.orderField,
    quantity: flags.quantityField,
    price: flags.priceField,
    ...(flags.sessionField ? { session: flags.sessionField } : {}),
    ...(flags.eventIdField ? { eventId: flags.eventIdField } : {}),
  };
  const r = await readEventLog(inputSource(flags.events), {
    fields,
    ...(flags.defaultType ? { defaultType: flags.defaultType } : {}),
    ...(flags.format ? { format: flags.format } : {}),
    onBadRow: flags.onBadRow,
    maxFieldChars: flags.maxFieldChars,
    ...(knownItems ? { knownItems } : {}),
    fileLabel: flags.events === "-" ? "<stdin>" : flags.events,
  });
  if (r.report.skipped > 0) {
    const lines = r.report.issues.slice(0, 5).map((i) => `  ${InvalidInputError.format(i)}`);
    ui.warn(`skipped ${r.report.skipped} bad row${r.report.skipped === 1 ? "" : "s"} (read ${r.report.rows}):\n${lines.join("\n")}`);
  }
  if (notes) for (const n of r.report.notes) if (n.code !== "ZONELESS_TIME" || r.report.zones.utc + r.report.zones.offset === 0) ui.info(`note: ${n.count} ${n.message}`);
  return r;
}

/** The catalogue field holding the id: the one asked for, else the first of id, item_id, sku, product_id in the file's first row. */
function sniffIdField(file: string): string {
  const head = readFileSync(file, "utf8").slice(0, 65536).split(/\r?\n/).find((l) => l.trim() !== "") ?? "";
  let names: string[];
  try {
    names = head.trim().startsWith("{") ? Object.keys(JSON.parse(head) as object) : head.split(/[,\t]/).map((s) => s.trim().replace(/^"|"$/g, ""));
  } catch {
    names = [];
  }
  return ["id", "item_id", "sku", "product_id"].find((n) => names.includes(n)) ?? "id";
}

/** Reads the catalogue files given with --items (later files win for a repeated id). */
export async function loadItems(flags: EventFlags): Promise<Product[] | undefined> {
  if (!flags.items || flags.items.length === 0) return undefined;
  const byId = new Map<string, Product>();
  for (const file of flags.items) {
    const { products } = await readCatalogFile(file, {
      idField: flags.itemIdField ?? sniffIdField(file),
      ...(flags.itemTextFields ? { textFields: flags.itemTextFields } : {}),
      // Named only when asked for: the catalogue reader then requires the column (its default, category, is optional).
      ...(flags.categoryField ? { labelField: flags.categoryField } : {}),
      onBadRow: flags.onBadRow,
    });
    for (const p of products) byId.set(p.id, p);
  }
  return [...byId.values()];
}

/** "3.4 s" */
export const seconds = (s: number): string => `${s.toFixed(s < 10 ? 2 : 1)} s`;
