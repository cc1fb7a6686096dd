// ESLint flat config: TypeScript rules plus the layer import directions from docs/architecture.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

const algorithms = ["featurize", "classify", "cluster", "similar", "metrics", "taxonomy", "catalog"];
const composition = ["pipeline", "persist"];
const edges = ["cli", "server", "web", "jobs", "store"];
const library = ["core", "linalg", ...algorithms, ...composition];
const dir = (d) => `./src/${d}`;

/** Layer rules: each zone forbids `target` from importing `from`. */
const zones = [
  // linalg: pure kernels, imports nothing of ours.
  { target: dir("linalg"), from: "./src", except: ["./linalg"], message: "linalg/ imports nothing of ours." },
  // core: contracts, may use linalg types only.
  {
    target: dir("core"),
    from: [...algorithms, ...composition, ...edges].map(dir),
    message: "core/ may import linalg/ only.",
  },
  // algorithms: core and linalg only (one estimator per file; siblings of the same folder are fine).
  ...algorithms.map((a) => ({
    target: dir(a),
    from: [...algorithms.filter((b) => b !== a), ...composition, ...edges].map(dir),
    message: `${a}/ may import core/ and linalg/ only.`,
  })),
  // pipeline and persist: not the edges.
  ...composition.map((c) => ({ target: dir(c), from: edges.map(dir), message: `${c}/ must not import the edges.` })),
  // edges: the public API (src/index.ts) and their own files only.
  ...edges.map((e) => ({
    target: dir(e),
    from: [...library, ...edges.filter((f) => f !== e)].map(dir),
    message: `${e}/ is an edge: import the public API from src/index.ts.`,
  })),
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "import-x": importX },
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly" } },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the seeded source in src/core/random.ts." },
      ],
    },
  },
  {
    files: ["bin/**", "examples/**/*.js", "bench/**/*.js", "*.config.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", performance: "readonly" } },
  },
);
