// assort/linalg: the numeric kernels every estimator is built on — dense and CSR matrices, top-k, binary
// search, sparse reshaping, the blocked matrix product and the randomized truncated SVD.
export * from "../linalg/matrix.js";
export { topK, argmax, softmaxInPlace } from "../linalg/topk.js";
export { lowerBound, upperBound, upperBoundBy } from "../linalg/search.js";
export { transposeCsr, compactColumns } from "../linalg/sparse.js";
export { gemmABt, gemmABt32 } from "../linalg/gemm.js";
export { truncatedSvd, TruncatedSvdModel, type TruncatedSvdOptions, type SvdArtifact } from "../linalg/svd.js";
