// What an output file costs in file-system calls, three ways (docs/benchmarks.md, 2026-12-07):
// promise-based open/write/close/link/unlink (granule before), synchronous calls around a
// thread-pool write, and all synchronous (granule now, for writes up to 1 MiB).
//   node packages/cli/bench/output-calls.bench.mjs [files] [bytes]
import { closeSync, linkSync, mkdirSync, openSync, rmSync, unlinkSync, write, writeSync } from "node:fs";
import { link, open, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const files = Number(process.argv[2] ?? 300);
const bytes = new Uint8Array(Number(process.argv[3] ?? 576_000)); // a 3 s mono f32 segment
const dir = join(tmpdir(), `granule-output-calls-${process.pid}`);

const ways = {
  async promises(i) {
    const temporary = join(dir, `.p${i}.part`);
    const handle = await open(temporary, "wx");
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.close();
    await link(temporary, join(dir, `p${i}`));
    await unlink(temporary);
  },
  async "sync calls, pool write"(i) {
    const temporary = join(dir, `.s${i}.part`);
    const fd = openSync(temporary, "wx");
    await new Promise((resolve, reject) =>
      write(fd, bytes, 0, bytes.length, 0, (error) => (error ? reject(error) : resolve())),
    );
    closeSync(fd);
    linkSync(temporary, join(dir, `s${i}`));
    unlinkSync(temporary);
  },
  async "all synchronous"(i) {
    const temporary = join(dir, `.a${i}.part`);
    const fd = openSync(temporary, "wx");
    writeSync(fd, bytes, 0, bytes.length, 0);
    closeSync(fd);
    linkSync(temporary, join(dir, `a${i}`));
    unlinkSync(temporary);
  },
};

try {
  for (let round = 1; round <= 2; round++) {
    for (const [name, writeOne] of Object.entries(ways)) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < files; i++) await writeOne(i);
      const { user, system } = process.cpuUsage(cpu);
      console.log(
        `round ${round}  ${name.padEnd(24)} ${files} files of ${bytes.length} B: wall ${(performance.now() - started).toFixed(0)} ms, CPU ${((user + system) / 1000).toFixed(0)} ms`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
