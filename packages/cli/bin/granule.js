#!/usr/bin/env node
// The installed `granule` command. A .js file in a "type": "module" package, so Node runs it as ESM.
import { main } from "../dist/index.js";

process.exitCode = await main(process.argv.slice(2));
