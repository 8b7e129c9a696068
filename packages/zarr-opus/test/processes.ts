import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface ChildRun {
  child: ChildProcess;
  /** Parsed JSON lines printed so far. */
  lines: Record<string, unknown>[];
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs one of test/children/*.mjs in its own Node process, collecting its JSON lines. */
export function runChild(script: string, args: string[], onLine?: (line: Record<string, unknown>) => void): ChildRun {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./children/${script}`, import.meta.url)), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: Record<string, unknown>[] = [];
  let pending = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (text: string) => {
    pending += text;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim() !== "") {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        onLine?.(parsed);
      }
      newline = pending.indexOf("\n");
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, exited };
}
