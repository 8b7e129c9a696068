// Lists the export names of each package entry (src/index.ts, src/node.ts ...) under a checkout.
// Counts the public names of every package entry (the `exports` map of each package.json)
// with the TypeScript checker over the entry's source: node scripts/count-exports.mjs [checkout]

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = process.argv[2] ?? ".";
const out = {};
for (const pkg of readdirSync(join(root, "packages"))) {
  const pj = join(root, "packages", pkg, "package.json");
  if (!existsSync(pj)) continue;
  const exp = JSON.parse(readFileSync(pj, "utf8")).exports ?? {};
  for (const [entry, target] of Object.entries(exp)) {
    if (entry === "./package.json") continue;
    const dist = typeof target === "string" ? target : (target.import?.default ?? target.default ?? target.import);
    const name = String(dist)
      .replace("./dist/", "")
      .replace(/\.(c?js|mjs)$/, "");
    const src = join(root, "packages", pkg, "src", `${name}.ts`);
    if (!existsSync(src)) {
      out[`${pkg}${entry.slice(1)}`] = "?";
      continue;
    }
    const program = ts.createProgram([src], {
      allowImportingTsExtensions: true,
      noEmit: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    });
    const checker = program.getTypeChecker();
    const sf = program.getSourceFile(src);
    const sym = checker.getSymbolAtLocation(sf);
    const names = sym ? checker.getExportsOfModule(sym).map((s) => s.name) : [];
    out[`${pkg}${entry.slice(1)}`] = names.length;
  }
}
console.log(JSON.stringify(out));
