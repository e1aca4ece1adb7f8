import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** The modules above every layer: configuration, composition root, CLI, server. */
const ROOT = [
  "**/config.js",
  "**/config/**",
  "**/runtime.js",
  "**/runtime-parts.js",
  "**/cli.js",
  "**/server.js",
];

/** A layer may not import these modules (type imports included) nor these packages. */
function layer(files, modules, packages = []) {
  return [
    {
      files: [files],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              {
                group: modules,
                message: "Layers (DESIGN.md): this layer may not import that module.",
              },
              ...(packages.length === 0
                ? []
                : [
                    {
                      group: packages,
                      message: "Layers (DESIGN.md): this layer may not use that package.",
                    },
                  ]),
            ],
          },
        ],
      },
    },
  ];
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "test-results/", "data/", "src/web/assets/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (TypeScript files get their globals from @types/node).
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        URL: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
      },
    },
  },
  // The layers (DESIGN.md): HTTP → routes → services → (core, store); nothing imports upward,
  // and only the composition root (src/runtime.ts), the CLI and the config see everything.
  ...layer(
    "src/core/**",
    ["**/store/**", "**/services/**", "**/http/**", ...ROOT],
    [
      "fastify",
      "fastify-plugin",
      "@fastify/*",
      "kysely",
      "ioredis",
      "pg",
      "better-sqlite3",
      "@sinclair/typebox",
    ],
  ),
  // The wire contract (schemas and limits) is a leaf every layer and the pages may import.
  ...layer("src/contract/**", [
    "**/store/**",
    "**/services/**",
    "**/http/**",
    "**/web/**",
    ...ROOT,
  ]),
  ...layer("src/store/**", ["**/services/**", "**/http/**", ...ROOT]),
  // Kysely is the store's: services take a `DatabaseHandle` and run `withTransaction` from it.
  ...layer("src/services/**", ["**/http/**", ...ROOT], ["kysely"]),
  ...layer("src/http/**", ["**/store/**", ...ROOT]),
  {
    // The environment is read in three places only: the config, the CLI and the library's
    // entry point (the seed's call shapes); everything else gets its settings passed in.
    files: ["src/**/*.ts"],
    ignores: ["src/config/**", "src/cli.ts", "src/index.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Read settings from the config (src/config/), not from process.env.",
        },
      ],
    },
  },
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
);
