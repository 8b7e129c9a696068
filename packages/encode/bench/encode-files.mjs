// The whole-process command the benchmark times: encode WAV files into --out with encodeFiles.
import { basename, join } from "node:path";
import { encodeFiles } from "../dist/node.js";

const args = process.argv.slice(2);
let workers = 2;
let out = ".";
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--workers") workers = Number(args[++i]);
  else if (args[i] === "--out") out = args[++i];
  else inputs.push(args[i]);
}
const outcomes = await encodeFiles(
  inputs.map((input) => ({ input, output: join(out, basename(input).replace(/\.[^.]*$/, ".opus")) })),
  { workers },
);
const failed = outcomes.filter((o) => "error" in o);
for (const o of failed) console.error(`${o.input}: ${o.error.message}`);
process.exit(failed.length > 0 ? 1 : 0);
