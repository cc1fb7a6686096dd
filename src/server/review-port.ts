// What the review console's routes need from the service (ReviewDesk in src/service/review.ts satisfies it):
// typed structurally, like CatalogServicePort.
type Maybe<T> = T | Promise<T>;

export interface ReviewPort {
  queue(q: { category?: string; minScore?: number; maxScore?: number; text?: string; spread?: boolean; cursor?: string; limit?: number; details?: boolean }): Maybe<object>;
  decide(decisions: readonly { productId: string; category?: string; accept?: boolean }[], user?: string): Maybe<object>;
  undo(id: number): Maybe<object>;
  taxonomy(q: string, limit?: number): Maybe<object>;
  stats(): Maybe<object>;
  clusters(examples?: number, kind?: "clusters" | "groups"): Maybe<object | undefined>;
  cluster(runId: string, cluster: number, o?: { limit?: number; after?: string }): Maybe<object>;
  makeCategory(runId: string, cluster: number, o: { parent: string; name?: string }): Maybe<object>;
  renameCluster(runId: string, cluster: number, name: string): Maybe<object>;
  mergeClusters(runId: string, from: number, into: number): Maybe<object>;
  threshold(): { model: string; minPrecision: number; threshold: number; coverage: number | null; calibrated: boolean };
}
