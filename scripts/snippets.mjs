// The docs' TypeScript examples are files in examples/snippets/, included verbatim:
//
//   <!-- snippet: examples/snippets/tour.ts -->
//   ```ts
//   ...the file, byte for byte...
//   ```
//
// `node scripts/snippets.mjs` (`npm run snippets`) rewrites every marked block from its file;
// `--check` changes nothing and exits 1 listing blocks that differ, ```ts blocks without a
// marker, markers naming no file, and snippet files no doc includes. test/snippets.test.ts
// runs the same check, type-checks the files and runs them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const SNIPPET_DIR = "examples/snippets";
const MARKER = /^<!-- snippet: (\S+) -->$/;
const FENCE_OPEN = /^```(ts|typescript)\s*$/;

/** The Markdown files whose ```ts blocks are snippets, relative to the repository. */
export function docFiles(root = REPO) {
  const inDir = (dir) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((name) => name.endsWith(".md"))
          .map((name) => join(dir, name))
      : [];
  const packages = readdirSync(join(root, "packages"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, "packages", entry.name, "README.md")))
    .map((entry) => join("packages", entry.name, "README.md"));
  return ["README.md", ...inDir("docs"), ...packages].sort();
}

/** The snippet files (`*.ts` in examples/snippets/), relative to the repository. */
export function snippetFiles(root = REPO) {
  return readdirSync(join(root, SNIPPET_DIR))
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".d.ts"))
    .map((name) => `${SNIPPET_DIR}/${name}`)
    .sort();
}

/**
 * The ```ts blocks of a Markdown text: `{ snippet, line, start, end, body }` where `snippet`
 * is the marker's path (or null), `line` the fence's 1-based line, and lines[start, end) the body.
 */
export function tsBlocks(text) {
  const lines = text.split("\n");
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE_OPEN.test(lines[i])) continue;
    let end = i + 1;
    while (end < lines.length && lines[end] !== "```") end++;
    const marker = i > 0 ? MARKER.exec(lines[i - 1]) : null;
    blocks.push({
      snippet: marker === null ? null : marker[1],
      line: i + 1,
      start: i + 1,
      end,
      body: lines.slice(i + 1, end).join("\n"),
    });
    i = end;
  }
  return blocks;
}

/** A snippet file's text as it appears in a block (without its final newline). */
export function snippetBody(path, root = REPO) {
  return readFileSync(join(root, path), "utf8").replace(/\n$/, "");
}

/** Every problem with the docs' snippets, as messages naming file and line. */
export function checkSnippets(root = REPO) {
  const problems = [];
  const used = new Set();
  for (const doc of docFiles(root)) {
    for (const block of tsBlocks(readFileSync(join(root, doc), "utf8"))) {
      const where = `${doc}:${block.line}`;
      if (block.snippet === null) {
        problems.push(`${where}: a \`\`\`ts block without a <!-- snippet: ${SNIPPET_DIR}/<name>.ts --> line before it`);
        continue;
      }
      used.add(block.snippet);
      if (!existsSync(join(root, block.snippet))) {
        problems.push(`${where}: names ${block.snippet}, which does not exist`);
      } else if (block.body !== snippetBody(block.snippet, root)) {
        problems.push(`${where}: differs from ${block.snippet} (run \`npm run snippets\`)`);
      }
    }
  }
  for (const file of snippetFiles(root)) {
    if (!used.has(file)) problems.push(`${file}: no doc includes it`);
  }
  return problems;
}

/** Rewrites every marked block from its file; returns the docs it changed. */
export function writeSnippets(root = REPO) {
  const changed = [];
  for (const doc of docFiles(root)) {
    const text = readFileSync(join(root, doc), "utf8");
    const lines = text.split("\n");
    // From the last block up, so earlier line numbers stay valid.
    for (const block of tsBlocks(text).reverse()) {
      if (block.snippet === null || !existsSync(join(root, block.snippet))) continue;
      lines.splice(block.start, block.end - block.start, ...snippetBody(block.snippet, root).split("\n"));
    }
    const next = lines.join("\n");
    if (next !== text) {
      writeFileSync(join(root, doc), next);
      changed.push(doc);
    }
  }
  return changed;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--check")) {
    const problems = checkSnippets();
    for (const problem of problems) console.error(problem);
    process.exit(problems.length > 0 ? 1 : 0);
  }
  const changed = writeSnippets();
  for (const doc of changed) console.log(`rewrote ${relative(process.cwd(), join(REPO, doc))}`);
  const problems = checkSnippets();
  for (const problem of problems) console.error(problem);
  process.exit(problems.length > 0 ? 1 : 0);
}
