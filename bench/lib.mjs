// Every public entry of the built library in one object (the root entry and the subpath entries of package.json),
// for benchmarks that reach for estimators, kernels, image pieces and metrics alike.
export async function loadLibrary() {
  const parts = await Promise.all(["index", "entries/estimators", "entries/linalg", "entries/metrics", "entries/images", "entries/embeddings", "entries/text"].map((p) => import(`../dist/${p}.js`)));
  return Object.assign({}, ...parts.reverse());
}
