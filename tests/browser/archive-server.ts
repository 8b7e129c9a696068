// globalSetup of the browser project: an archive in a temp directory, served over HTTP on
// 127.0.0.1 with CORS (the tests' page is on vitest's origin), and its URL given to the tests.
import type { TestProject } from "vitest/node";
import { buildTestArchive } from "./archive.ts";
import { startCorsServer } from "./cors-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    archiveUrl: string;
    noRangeArchiveUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const archive = await buildTestArchive();
  const server = await startCorsServer(archive.directory);
  const noRange = await startCorsServer(archive.directory, { ignoreRange: true });
  project.provide("archiveUrl", server.url);
  project.provide("noRangeArchiveUrl", noRange.url);
  return async () => {
    await server.close();
    await noRange.close();
    archive.remove();
  };
}
