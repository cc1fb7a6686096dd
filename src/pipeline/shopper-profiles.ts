// Shopper profiles from an event log: recency, frequency, spend (gross and net of returns), return rate, basket
// size, category affinity, first/last seen and, where views and carts exist, conversion.
import type { EventLog } from "../events/event-log.js";
import { EVENT_CODE } from "../events/event.js";
import { formatEventTime } from "../events/time.js";

/** Options of {@link shopperProfiles}. */
export interface ProfileOptions {
  /** Group (category) of each item: spend shares per group make the affinity. */
  itemGroups?: ReadonlyMap<string, string>;
  /** Items left out entirely (non-products: postage, fees). */
  excludeItems?: Iterable<string>;
  /** Recency is measured to this time (ms). Default: the midnight (UTC) after the last event. */
  reference?: number;
}

/** One shopper's profile, as the CLI and the service show it. */
export interface ShopperProfile {
  userId: string;
  /** Days from the last purchase to the reference time (null: never bought). */
  recencyDays: number | null;
  /** Distinct orders with a purchase. */
  frequency: number;
  /** Spend on purchases minus refunds of returns (Σ quantity × price). */
  monetary: number;
  /** Spend on purchases, returns ignored. */
  grossSpend: number;
  /** Returned value / purchased value (0 when nothing was bought). */
  returnRate: number;
  /** Mean distinct items per order. */
  basketSize: number;
  /** Distinct items bought. */
  items: number;
  firstSeen: string;
  lastSeen: string;
  views: number;
  carts: number;
  /** Share of the items the shopper viewed or put in the cart that they bought (null without views or carts). */
  conversion: number | null;
  /** Share of spend per item group, largest first (groups under 1% left out). */
  affinity: { group: string; share: number }[];
}

/**
 * Profiles of every shopper as columns. RFM follows the segmentation protocol of the peers: purchase lines with
 * quantity > 0 and price > 0 count, recency in days (minutes resolution) to the reference time, frequency =
 * distinct orders, gross spend = Σ quantity × price; customers are shoppers with at least one such line.
 */
export class ProfileTable {
  constructor(
    /** Every shopper of the log (in the log's order). */
    readonly users: readonly string[],
    readonly reference: number,
    readonly recencyDays: Float64Array,
    readonly frequency: Float64Array,
    readonly grossSpend: Float64Array,
    readonly netSpend: Float64Array,
    readonly returnRate: Float64Array,
    readonly basketSize: Float64Array,
    readonly distinctItems: Float64Array,
    readonly firstSeen: Float64Array,
    readonly lastSeen: Float64Array,
    readonly views: Float64Array,
    readonly carts: Float64Array,
    /** Distinct items viewed or carted, and how many of them were bought. */
    readonly browsedItems: Float64Array,
    readonly browsedBought: Float64Array,
    readonly groups: readonly string[],
    /** users × groups spend shares (rows sum to 1, or 0 for a shopper without spend in any group). */
    readonly affinity: Float64Array,
  ) {}

  /** Indices of customers: shoppers with at least one purchase of positive quantity and price. */
  customers(): Int32Array {
    const out: number[] = [];
    for (let u = 0; u < this.users.length; u++) if (this.frequency[u]! > 0) out.push(u);
    return Int32Array.from(out);
  }

  /** Index of a shopper, or -1. */
  indexOf(userId: string): number {
    return this.users.indexOf(userId);
  }

  /** One shopper's profile. */
  profile(u: number): ShopperProfile {
    const g = this.groups.length;
    const affinity = this.groups
      .map((group, k) => ({ group, share: Math.round(this.affinity[u * g + k]! * 1000) / 1000 }))
      .filter((a) => a.share >= 0.01)
      .sort((a, b) => b.share - a.share);
    const browsing = this.views[u]! + this.carts[u]! > 0;
    const r2 = (x: number): number => Math.round(x * 100) / 100;
    return {
      userId: this.users[u]!,
      recencyDays: this.frequency[u]! > 0 ? r2(this.recencyDays[u]!) : null,
      frequency: this.frequency[u]!,
      monetary: r2(this.netSpend[u]!),
      grossSpend: r2(this.grossSpend[u]!),
      returnRate: Math.round(this.returnRate[u]! * 1000) / 1000,
      basketSize: r2(this.basketSize[u]!),
      items: this.distinctItems[u]!,
      firstSeen: formatEventTime(this.firstSeen[u]!),
      lastSeen: formatEventTime(this.lastSeen[u]!),
      views: this.views[u]!,
      carts: this.carts[u]!,
      conversion: browsing ? Math.round((this.browsedBought[u]! / Math.max(1, this.browsedItems[u]!)) * 1000) / 1000 : null,
      affinity,
    };
  }
}

const DAY = 86_400_000;

/**
 * Profiles every shopper of the log. O(events + shoppers × groups).
 * @example const t = shopperProfiles(log, { itemGroups }); t.profile(t.indexOf("17850"))
 */
export function shopperProfiles(log: EventLog, options: ProfileOptions = {}): ProfileTable {
  const nu = log.users.size;
  const skip = new Set(options.excludeItems ?? []);
  const itemSkipped = Uint8Array.from(log.items.ids, (id) => (skip.has(id) ? 1 : 0));
  const groups = [...new Set(options.itemGroups?.values() ?? [])].sort();
  const gIndex = new Map(groups.map((g, k) => [g, k]));
  const itemGroup = Int32Array.from(log.items.ids, (id) => {
    const g = options.itemGroups?.get(id);
    return g === undefined ? -1 : gIndex.get(g)!;
  });
  let lastEvent = -Infinity;
  for (let e = 0; e < log.length; e++) lastEvent = Math.max(lastEvent, log.time[e]!);
  const reference = options.reference ?? (Number.isFinite(lastEvent) ? Math.floor(lastEvent / DAY) * DAY + DAY : 0);
  const z = (): Float64Array => new Float64Array(nu);
  const lastBuy = new Float64Array(nu).fill(-Infinity);
  const [frequency, gross, net, returned, basketSize, distinct, views, carts, browsedItems, browsedBought] = [z(), z(), z(), z(), z(), z(), z(), z(), z(), z()];
  const first = new Float64Array(nu).fill(Infinity);
  const last = new Float64Array(nu).fill(-Infinity);
  const affinity = new Float64Array(nu * groups.length);
  const orders = new Map<number, Set<number>>(); // user → baskets with a qualifying purchase
  const lines = new Map<number, number>(); // basket → distinct items (counted below)
  const basketItems = new Map<number, Set<number>>();
  const items = new Map<number, Set<number>>();
  const browsed = new Map<number, Set<number>>(); // user → items viewed or carted
  const bought_ = new Map<number, Set<number>>(); // user → items bought (any quantity)
  for (let e = 0; e < log.length; e++) {
    const u = log.user[e]!;
    const t = log.time[e]!;
    if (t < first[u]!) first[u] = t;
    if (t > last[u]!) last[u] = t;
    const type = log.type[e]!;
    if (type === EVENT_CODE.view || type === EVENT_CODE.cart) {
      if (type === EVENT_CODE.view) views[u]!++;
      else carts[u]!++;
      let s = browsed.get(u);
      if (!s) browsed.set(u, (s = new Set()));
      s.add(log.item[e]!);
      continue;
    }
    if (itemSkipped[log.item[e]!] === 1) continue;
    const q = log.quantity[e]!;
    const p = log.price[e]!;
    const value = Number.isFinite(q) && Number.isFinite(p) ? q * p : 0;
    if (type === EVENT_CODE.return) {
      returned[u]! += value;
      net[u]! -= value;
      continue;
    }
    if (type !== EVENT_CODE.purchase) continue;
    net[u]! += value;
    let bu = bought_.get(u);
    if (!bu) bought_.set(u, (bu = new Set()));
    bu.add(log.item[e]!);
    if (!(q > 0 && p > 0)) continue;
    gross[u]! += value;
    if (t > lastBuy[u]!) lastBuy[u] = t;
    let o = orders.get(u);
    if (!o) orders.set(u, (o = new Set()));
    o.add(log.basket[e]!);
    let bi = basketItems.get(log.basket[e]!);
    if (!bi) basketItems.set(log.basket[e]!, (bi = new Set()));
    bi.add(log.item[e]!);
    let it = items.get(u);
    if (!it) items.set(u, (it = new Set()));
    it.add(log.item[e]!);
    const g = itemGroup[log.item[e]!]!;
    if (g >= 0) affinity[u * groups.length + g]! += value;
  }
  for (const [b, s] of basketItems) lines.set(b, s.size);
  const recency = new Float64Array(nu).fill(Number.NaN);
  const rate = new Float64Array(nu);
  for (let u = 0; u < nu; u++) {
    const o = orders.get(u);
    frequency[u] = o?.size ?? 0;
    distinct[u] = items.get(u)?.size ?? 0;
    if (o) {
      let s = 0;
      for (const b of o) s += lines.get(b)!;
      basketSize[u] = s / o.size;
      recency[u] = (reference - lastBuy[u]!) / DAY;
    }
    rate[u] = gross[u]! > 0 ? Math.min(1, returned[u]! / gross[u]!) : 0;
    const seen = browsed.get(u);
    if (seen) {
      browsedItems[u] = seen.size;
      const bought = bought_.get(u);
      for (const i of seen) if (bought?.has(i)) browsedBought[u]!++;
    }
    const g = groups.length;
    let sum = 0;
    for (let k = 0; k < g; k++) sum += affinity[u * g + k]!;
    if (sum > 0) for (let k = 0; k < g; k++) affinity[u * g + k]! /= sum;
  }
  return new ProfileTable(log.users.ids, reference, recency, frequency, gross, net, rate, basketSize, distinct, first, last, views, carts, browsedItems, browsedBought, groups, affinity);
}
