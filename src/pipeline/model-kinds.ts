// The model kinds a model directory can hold, and the one loader for all of them. A new kind is a class
// implementing ProductModel (core/contracts.ts) with a `fromParts(manifest, arrays, dir)` and one entry here.
import type { ArtifactArray, ProductModel } from "../core/contracts.js";
import { AssortError, ConfigError, ModelFormatError } from "../core/errors.js";
import type { Taxonomy } from "../taxonomy/taxonomy.js";
import { readModelDir } from "../persist/model-dir.js";
import { CategoryModel } from "./category-model.js";
import { MultimodalModel } from "./multimodal-model.js";

/** One registered model kind: what it is and how to rebuild it from a manifest and its arrays. */
export interface ModelKindEntry<M extends ProductModel = ProductModel> {
  description: string;
  fromParts(manifest: Record<string, unknown>, arrays: Record<string, ArtifactArray>, dir: string): M;
}

/** The model class of each kind, for typed loading. */
export interface ModelOfKind {
  "category-model": CategoryModel;
  "multimodal-model": MultimodalModel;
}

export type ModelKind = keyof ModelOfKind;

const KINDS: { [K in ModelKind]: ModelKindEntry<ModelOfKind[K]> } = {
  "category-model": { description: "text: hashed n-gram TF-IDF and a linear classifier", fromParts: (m, a, d) => CategoryModel.fromParts(m, a, d) },
  "multimodal-model": { description: "the product photo, alone or fused with the text", fromParts: (m, a, d) => MultimodalModel.fromParts(m, a, d) },
};

/** Names of the model kinds a model directory may hold. */
export function modelKinds(): ModelKind[] {
  return Object.keys(KINDS) as ModelKind[];
}

/** What each model kind is, in words. */
export function modelKindDescription(kind: ModelKind): string {
  return KINDS[kind].description;
}

/**
 * Loads a saved model directory of any kind (text, image or both). With `kind`, refuses a model of another
 * kind and gives it that kind's type.
 * @example const model = await loadModel("models/shop"); await model.classify([{ title: "Tefal pan 28cm" }], { topK: 3 });
 * @throws ModelNotFoundError, ModelFormatError (corrupt, newer format, unknown or unexpected kind).
 */
export function loadModel(dir: string): Promise<ProductModel>;
export function loadModel<K extends ModelKind>(dir: string, options: { kind: K }): Promise<ModelOfKind[K]>;
export async function loadModel(dir: string, options: { kind?: ModelKind } = {}): Promise<ProductModel> {
  const { manifest, arrays } = await readModelDir(dir);
  const kind = manifest.kind;
  if (typeof kind !== "string" || !Object.hasOwn(KINDS, kind)) {
    throw new ModelFormatError(dir, `it holds an unknown model kind "${String(kind)}" (known: ${modelKinds().join(", ")})`);
  }
  if (options.kind !== undefined && kind !== options.kind) throw new ModelFormatError(dir, `it holds a "${kind}", not a "${options.kind}"`);
  try {
    return KINDS[kind as ModelKind].fromParts(manifest, arrays, dir);
  } catch (e) {
    // The manifest passed its checksum (or predates it) yet does not fit its kind: an edited or foreign file.
    if (e instanceof AssortError) throw e;
    throw new ModelFormatError(dir, `manifest.json does not describe a valid "${kind}" (${String((e as Error)?.message ?? e).slice(0, 200)})`);
  }
}

/**
 * The model with its categories named by `taxonomy` (a renamed version of the one it was trained against),
 * matched by node id, for kinds that can; a ConfigError otherwise.
 */
export function followTaxonomy(model: ProductModel, taxonomy: Taxonomy): ProductModel {
  const m = model as ProductModel & { withTaxonomy?(t: Taxonomy): ProductModel };
  if (typeof m.withTaxonomy !== "function") throw new ConfigError(`A "${model.kind}" model cannot follow a renamed taxonomy`);
  return m.withTaxonomy(taxonomy);
}
