import { serveViewer } from "@granule/viewer/node";
import { checkArchiveArgument } from "../archive-directory.ts";
import type { CommandContext } from "../program/context.ts";
import { parseCount } from "../time.ts";
import { EXIT_OK } from "../usage-error.ts";

/**
 * `granule view`: serves the viewer page (and a local archive's files, with Range) on
 * 127.0.0.1 only, prints its URL, and runs until interrupted. Decoding happens in the browser.
 */
export async function runViewCommand(archive: string, options: { port?: string }, context: CommandContext) {
  await checkArchiveArgument(archive);
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
