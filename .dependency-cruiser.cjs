// The layer rule of docs/architecture.md, checked by `npm run deps` (in scripts/test.sh, so CI enforces it).
// A folder may import only its own layer or lower ones:
//   1 core  2 redact patterns connectors  3 config  4 catalog changes similar traces  5 store
//   6 lifecycle  7 pipeline  8 delivery  9 sources  10 api  11 investigate remediate detect (features)
//   12 main.ts wiring cli
// The parser is swc (dependency-cruiser cannot load TypeScript 7), which reports `import type` like any
// other import: the rules hold for type-only imports too, stricter than "no runtime cycles".
// Test files (*.test.ts) and src/testing are test support: they may import anything, and production code
// may never import them.
const LAYERS = [
  ["core"],
  ["redact", "patterns", "connectors"],
  ["config"],
  ["catalog", "changes", "similar", "traces"],
  ["store"],
  ["lifecycle"],
  ["pipeline"],
  ["delivery"],
  ["sources"],
  ["api"],
  ["investigate", "remediate", "detect"],
  ["main\\.ts", "cli", "wiring"],
];
const TESTS = "\\.test\\.ts$";
const folders = (layers) => `^src/(${layers.flat().join("|")})(/|$)`;

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${i + 1}-no-upward`,
  comment: `${layer.join(", ")} (layer ${i + 1}) may import only layers 1-${i + 1}`,
  severity: "error",
  from: { path: folders([layer]), pathNot: TESTS },
  to: { path: folders(LAYERS.slice(i + 1)) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "every-folder-in-a-layer",
      comment: "a new top-level folder of src takes its place in LAYERS (and in docs/architecture.md) before it is used",
      severity: "error",
      from: { path: "^src/", pathNot: [folders(LAYERS), "^src/testing/", TESTS] },
      to: { path: "." },
    },
    {
      name: "no-circular",
      comment:
        "imports flow one way: no cycle, within a folder or across folders, in production code (src/testing's contract suites include each other: test support, never shipped)",
      severity: "error",
      from: { pathNot: [TESTS, "^src/testing/"] },
      to: { circular: true },
    },
    {
      name: "store-implementation-only-from-composition-root",
      comment: "everything but the composition root works against the store port in core/ports",
      severity: "error",
      from: { path: "^src/", pathNot: [`^src/(store|cli|testing|wiring)/`, "^src/main\\.ts$", TESTS] },
      to: { path: "^src/store/" },
    },
    {
      name: "production-never-imports-test-support",
      severity: "error",
      from: { path: "^src/", pathNot: ["^src/testing/", TESTS] },
      to: { path: ["^src/testing/", "^test/", TESTS] },
    },
    {
      name: "connector-imports-core-and-contract-only",
      comment: "a connector imports core, the connector contract and shared helpers (connectors/*.ts), and its own folder",
      severity: "error",
      from: { path: "^src/connectors/", pathNot: TESTS },
      to: { path: "^src/", pathNot: ["^src/core/", "^src/connectors/"] },
    },
    {
      name: "connector-not-another-connector",
      severity: "error",
      from: { path: "^src/connectors/([^/]+)/", pathNot: TESTS },
      to: { path: "^src/connectors/[^/]+/", pathNot: "^src/connectors/$1/" },
    },
    {
      name: "shared-connector-code-not-a-connector",
      comment: "the contract and shared helpers never reach into one connector; the registry is the one list of them",
      severity: "error",
      from: { path: "^src/connectors/[^/]+\\.ts$", pathNot: ["^src/connectors/registry\\.ts$", TESTS] },
      to: { path: "^src/connectors/[^/]+/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "fixtures"] },
    parser: "swc",
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: [".ts", ".js"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
