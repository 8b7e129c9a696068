import type { TestProject } from "vitest/node";

// Placeholder replaced below.
export default async function setup(_project: TestProject) {}
