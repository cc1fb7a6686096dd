// The one seeded random source of the library (no Math.random anywhere in src/). It is a pure numeric
// kernel, so it lives in linalg/ (which the SVD kernels use too); the rest of the library imports it here.
export { Random, deriveSeed } from "../linalg/random.js";
