import { stat } from "node:fs/promises";
import { serveViewer } from "@granule/viewer/node";
import type { CommandContext } from "../program/context.ts";
import { parseCount } from "../time.ts";
import { EXIT_OK, UsageError } from "../usage-error.ts";

/**
 * `granule view`: serves the viewer page (and a local archive's files, with Range) on
 * 127.0.0.1 only, prints its URL, and runs until interrupted. Decoding happens in the browser.
 */
export async function runViewCommand(archive: string, options: { port?: string }, context: CommandContext) {
  const remote = /^https?:\/\//i.test(archive);
  if (
    !remote &&
    !(await stat(archive).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    throw new UsageError(`${archive}: no such archive directory`);
  }
  const port = options.port === undefined ? 0 : parseCount(options.port, "--port");
  const server = await serveViewer({ archive, port, host: "127.0.0.1" });
  context.io.out(`${server.url}\n`);
  context.note("serving on 127.0.0.1 only; Ctrl-C stops it");
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    context.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await server.close();
  context.note("stopped");
  context.state.exitCode = EXIT_OK;
}
