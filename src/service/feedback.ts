// Corrections: stored in a transaction, applied at once through an override map (product id and title →
// corrected category), published to the other processes (shared state), and counted towards a background
// retrain.
import { ConfigError } from "../core/errors.js";
import type { ProductInput } from "../core/product.js";
import type { CatalogStore, CorrectionRecord, JobRecord } from "./catalog-store.js";
import type { Prediction } from "../pipeline/category-model.js";
import { correctedPages } from "./paging.js";
import type { SharedChange } from "./shared-state.js";

const RETRAIN_MARK = "corrections.retrainedThrough";

function titleKey(t: unknown): string | undefined {
  return typeof t === "string" && t.trim() !== "" ? t.trim().toLowerCase() : undefined;
}

export class Feedback {
  /** Corrected category by product id. */
  private readonly byId = new Map<string, string>();
  /** Corrected category by lower-cased title. */
  private readonly byTitle = new Map<string, string>();
  private retrainQueued = false;

  constructor(
    private readonly store: CatalogStore,
    private readonly retrainAfter: number,
    private readonly queueRetrain: (params: Record<string, unknown>) => Promise<JobRecord>,
    private readonly onCorrected: (productId: string, category: string) => void = () => {},
    private readonly publish: (change: SharedChange) => Promise<void> = async () => {},
  ) {}

  /** Loads the override map from the store, a page of corrected products at a time. */
  async init(): Promise<void> {
    for await (const page of correctedPages(this.store)) {
      for (const p of page) {
        this.byId.set(p.id, p.category);
        const k = titleKey(p.title);
        if (k) this.byTitle.set(k, p.category);
      }
    }
  }

  /** Another process corrected a product: apply its corrected category as the store has it now. */
  async sync(productId: string): Promise<void> {
    const p = await this.store.getProduct(productId);
    if (p?.correctedCategory !== undefined) this.apply(p.id, p.correctedCategory, p.title);
    else if (this.byId.has(productId)) this.forget(productId, p?.title, p?.effectiveCategory);
  }

  /** A product's correction was undone and none remains: answers come from the model (or the catalog) again. */
  private forget(productId: string, title: string | undefined, effective: string | undefined): void {
    this.byId.delete(productId);
    const k = titleKey(title);
    if (k) this.byTitle.delete(k);
    if (effective !== undefined) this.onCorrected(productId, effective);
  }

  /** Undoes correction `id` (see CatalogStore.deleteCorrection) and applies the result; undefined for an unknown id. */
  async undo(id: number): Promise<{ deleted: CorrectionRecord; correctedCategory?: string } | undefined> {
    const r = await this.store.deleteCorrection(id);
    if (!r) return undefined;
    const p = await this.store.getProduct(r.deleted.productId);
    if (r.correctedCategory !== undefined) this.apply(r.deleted.productId, r.correctedCategory, p?.title);
    else this.forget(r.deleted.productId, p?.title, p?.effectiveCategory);
    await this.publish({ kind: "override", productId: r.deleted.productId });
    return r;
  }

  private apply(productId: string, category: string, title: string | undefined): void {
    this.byId.set(productId, category);
    this.onCorrected(productId, category);
    const k = titleKey(title);
    if (k) this.byTitle.set(k, category);
  }

  /** Records a correction and applies it; queues a retrain after `retrainAfter` corrections. */
  async record(f: { productId: string; category?: string; accept?: boolean; user?: string }): Promise<{ correction: CorrectionRecord; applied: "override" | "queued" | "recorded" }> {
    if (typeof f.productId !== "string" || f.productId === "") throw new ConfigError("Feedback needs a productId");
    if (f.category === undefined && f.accept !== true) throw new ConfigError("Feedback needs a category to set, or accept: true");
    if (f.category !== undefined && (typeof f.category !== "string" || f.category.trim() === "" || f.category.length > 1000)) {
      throw new ConfigError("Feedback category must be a non-empty string of at most 1000 characters");
    }
    const correction = await this.store.addCorrection(f);
    this.apply(correction.productId, correction.category, undefined);
    const p = await this.store.getProduct(correction.productId);
    const k = titleKey(p?.title);
    if (k) this.byTitle.set(k, correction.category);
    await this.publish({ kind: "override", productId: correction.productId });
    let applied: "override" | "queued" | "recorded" = correction.accepted && correction.previous === correction.category ? "recorded" : "override";
    if (this.retrainAfter > 0 && !this.retrainQueued) {
      const through = Number((await this.store.getMeta(RETRAIN_MARK)) ?? "0");
      const pending = (await this.store.listCorrections({ afterId: through, limit: this.retrainAfter })).length;
      if (pending >= this.retrainAfter) {
        this.retrainQueued = true;
        await this.store.setMeta(RETRAIN_MARK, String(correction.id));
        const job = await this.queueRetrain({ reason: "corrections", throughCorrection: correction.id });
        void this.waitRetrain(job.id);
        applied = "queued";
      }
    }
    return { correction, applied };
  }

  private async waitRetrain(jobId: string): Promise<void> {
    for (;;) {
      await new Promise((r) => setTimeout(r, 500).unref());
      const j = await this.store.getJob(jobId).catch(() => undefined);
      if (!j || j.state === "done" || j.state === "failed" || j.state === "cancelled") break;
    }
    this.retrainQueued = false;
  }

  /** Replaces the answer for items whose id or title has a correction. */
  applyOverrides(items: readonly ProductInput[], results: (Prediction & { corrected?: true })[], titleField: string, topK: number): void {
    if (this.byId.size === 0) return;
    items.forEach((item, i) => {
      const id = typeof item.id === "string" ? item.id : typeof item.id === "number" ? String(item.id) : undefined;
      const category = (id !== undefined ? this.byId.get(id) : undefined) ?? this.byTitle.get(titleKey(item[titleField]) ?? "");
      const r = results[i];
      if (category === undefined || !r) return;
      const rest = r.categories.filter((c) => c.category !== category);
      r.categories = [{ category, score: 1 }, ...rest].slice(0, topK);
      r.corrected = true;
    });
  }
}
