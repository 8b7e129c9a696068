// The npm registry reachable from this project's machines serves only some platforms'
// builds of packages like @biomejs/cli-*, @rollup/rollup-* or @turbo/*; `npm install` then
// leaves their entries out of package-lock.json, and `npm ci` refuses the lock as out of
// sync. This adds each missing optional platform package with the os/cpu/libc its name
// states, so `npm ci` skips it on other platforms exactly as it would with a complete
// registry. Run after every lock change: `npm run lock`.
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = "package-lock.json";
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

const OS = [
  ["android", "android"],
  ["darwin", "darwin"],
  ["freebsd", "freebsd"],
  ["openbsd", "openbsd"],
  ["openharmony", "openharmony"],
  ["win32", "win32"],
  ["windows", "win32"],
  ["linux", "linux"],
];
const CPU = [
  ["arm64", "arm64"],
  ["aarch64", "arm64"],
  ["x64", "x64"],
  ["-64", "x64"],
  ["ia32", "ia32"],
  ["loong64", "loong64"],
  ["ppc64", "ppc64"],
  ["riscv64", "riscv64"],
  ["s390x", "s390x"],
  ["arm-", "arm"],
];

function platformOf(name) {
  const base = name.split("/").pop();
  const os = OS.find(([key]) => base.includes(key))?.[1];
  const cpu = CPU.find(([key]) => base.includes(key))?.[1];
  if (!os || !cpu) return null;
  const libc = base.includes("musl") ? ["musl"] : os === "linux" && /gnu|glibc/.test(base) ? ["glibc"] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${path}/node_modules/${name}`]) continue;
    const platform = platformOf(name);
    if (!platform) throw new Error(`cannot tell the platform of missing optional package ${name}`);
    packages[key] = { version, dev: entry.dev ?? undefined, optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entries`);
