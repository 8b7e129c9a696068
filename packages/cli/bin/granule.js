#!/usr/bin/env node
// The installed `granule` command. A .js file in a "type": "module" package, so Node runs it as ESM.
import { main } from "../dist/index.js";

// A reader that stops early (`granule extract -o - ... | head`) closes the pipe: end quietly.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2));
// Exit once stdout has taken everything, whatever timers a library left behind.
process.stdout.write("", () => process.exit(code));
