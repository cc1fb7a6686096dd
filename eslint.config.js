// ESLint flat config: TypeScript rules plus the layer import directions from docs/architecture.md.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const algorithms = ["featurize", "classify", "cluster", "similar", "metrics", "taxonomy", "catalog", "events", "recommend"];
const composition = ["pipeline", "persist", "report"];
const service = "service";
const edges = ["cli", "server", "web", "jobs", "store", "workers"];
const library = ["core", "linalg", ...algorithms, ...composition, service];
/** The CLI is the composition root of the edges: `assort serve` wires the store, the job runner and the server. */
const composes = (edge, other) => edge === "cli" && ["server", "store", "jobs", "web"].includes(other);

/** An import-path pattern (gitignore syntax, matched against the import string) for a source folder. */
const folder = (d) => [`**/${d}/**`, `**/${d}`];

/** Files under src/<layer>/ may not import from the listed folders (docs/architecture.md, "Layers"). */
const layer = (name, forbidden, message) => ({
  files: [`src/${name}/**/*.ts`],
  rules: {
    "no-restricted-imports": ["error", { patterns: [{ group: forbidden.flatMap(folder), message }] }],
  },
});

const layerRules = [
  layer("linalg", library.filter((l) => l !== "linalg").concat(edges), "linalg/ imports nothing of ours."),
  layer("core", [...algorithms, ...composition, service, ...edges], "core/ may import linalg/ only."),
  ...algorithms.map((a) =>
    layer(a, [...algorithms.filter((b) => b !== a), ...composition, service, ...edges], `${a}/ may import core/ and linalg/ only.`),
  ),
  ...composition.map((c) => layer(c, [service, ...edges], `${c}/ must not import the service layer or the edges.`)),
  layer(service, edges, "service/ must not import the edges."),
  ...edges.map((e) =>
    layer(e, [...library, ...edges.filter((f) => f !== e && !composes(e, f))], `${e}/ is an edge: import the public API from src/index.ts or a subpath entry.`),
  ),
  // The public entry points (src/index.ts and the subpath entries beside it) re-export the library only.
  {
    files: ["src/*.ts", "src/entries/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: edges.flatMap(folder), message: "An entry point may not import an edge." }] }],
    },
  },
];

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "bench/results/**", "coverage/**", "src/**/*.as.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the seeded source in src/core/random.ts." },
      ],
    },
  },
  ...layerRules,
  {
    files: ["bin/**", "examples/**/*.js", "bench/**/*.js", "*.config.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", performance: "readonly" } },
  },
);
