import { UsageError } from "../usage-error.ts";

/** One part of a job split N ways: part `index` (1-based) of `count`. */
export interface JobPart {
  index: number;
  count: number;
}

/**
 * `--part K/N` (1-based, as `split -n K/N`: parts 1/4 to 4/4), or `--part auto` from the
 * scheduler's environment: a SLURM job array (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`,
 * and `SLURM_ARRAY_TASK_MIN`/`_STEP` so that `--array=1-8` and `--array=0-14:2` both work), or
 * a Kubernetes indexed Job (`JOB_COMPLETION_INDEX`, 0-based, which does not tell the count:
 * `--part auto/N` with N = the Job's completions). Opt-in: a command run inside an array job
 * for other reasons does not silently do a fraction of its work.
 */
export function parsePart(text: string | undefined, env: NodeJS.ProcessEnv = process.env): JobPart | undefined {
  if (text === undefined) return undefined;
  const auto = /^auto(?:\/(\d+))?$/.exec(text.trim());
  if (auto) return partFromEnvironment(auto[1] === undefined ? undefined : Number(auto[1]), env);
  const given = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!given) throw new UsageError(`--part "${text}" is not K/N (e.g. 2/8) or auto`);
  return checked(Number(given[1]), Number(given[2]), `--part ${text}`);
}

function partFromEnvironment(count: number | undefined, env: NodeJS.ProcessEnv): JobPart {
  const whole = (name: string): number | undefined => {
    const value = env[name];
    if (value === undefined || value === "") return undefined;
    if (!/^\d+$/.test(value.trim())) throw new UsageError(`${name}="${value}" is not a whole number`);
    return Number(value);
  };
  const slurmId = whole("SLURM_ARRAY_TASK_ID");
  const k8s = whole("JOB_COMPLETION_INDEX");
  if (k8s !== undefined && slurmId !== undefined) {
    throw new UsageError(
      "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set: which part this is cannot be told; use --part K/N",
    );
  }
  if (slurmId !== undefined) {
    const slurmCount = whole("SLURM_ARRAY_TASK_COUNT");
    if (count !== undefined && slurmCount !== undefined && count !== slurmCount) {
      // Parts past the array's tasks would never run (or tasks past N fail): a job half done.
      throw new UsageError(
        `--part auto/${count} names ${count} parts, but this SLURM array has ${slurmCount} tasks (SLURM_ARRAY_TASK_COUNT): give --part auto, or an array of ${count} tasks`,
      );
    }
    const total = count ?? slurmCount;
    if (total === undefined) throw new UsageError("SLURM_ARRAY_TASK_COUNT is not set: give --part auto/N");
    const min = whole("SLURM_ARRAY_TASK_MIN") ?? 0;
    const step = whole("SLURM_ARRAY_TASK_STEP") ?? 1;
    const offset = slurmId - min;
    if (offset < 0 || step === 0 || offset % step !== 0) {
      throw new UsageError(
        `SLURM_ARRAY_TASK_ID=${slurmId} is not on the array's grid (min ${min}, step ${step}): use --part K/N`,
      );
    }
    return checked(offset / step + 1, total, `SLURM_ARRAY_TASK_ID=${slurmId}`);
  }
  if (k8s !== undefined) {
    if (count === undefined) {
      throw new UsageError("JOB_COMPLETION_INDEX does not say how many parts there are: give --part auto/N");
    }
    return checked(k8s + 1, count, `JOB_COMPLETION_INDEX=${k8s}`);
  }
  throw new UsageError(
    "--part auto needs SLURM_ARRAY_TASK_ID (a SLURM job array) or JOB_COMPLETION_INDEX (a Kubernetes indexed Job)",
  );
}

function checked(index: number, count: number, what: string): JobPart {
  if (count < 1) throw new UsageError(`${what}: a job has at least one part`);
  if (index < 1 || index > count) throw new UsageError(`${what}: the part must be 1 to ${count}, not ${index}`);
  return { index, count };
}

/**
 * Which part does each item: the items in `order` (the caller sorts them so that neighbours
 * in a recording are next to each other) are cut into N runs of about equal duration: an
 * item goes to the part its duration's midpoint falls in, `floor(mid x N / total)`, so each
 * part's audio is within one item's duration of total / N. Deterministic (the same items
 * give the same parts in every process, with no coordinator), and neighbours stay together,
 * so a part decodes each stretch of a recording once instead of every part decoding it.
 * Returns the 1-based part of each item, in input order.
 */
export function assignParts(
  durations: readonly number[],
  count: number,
  order: readonly number[] = durations.map((_, i) => i),
): number[] {
  const total = durations.reduce((sum, d) => sum + d, 0);
  const parts = new Array<number>(durations.length).fill(1);
  if (total <= 0) return parts;
  let before = 0;
  for (const i of order) {
    const mid = before + durations[i]! / 2;
    parts[i] = Math.min(count, Math.floor((mid * count) / total) + 1);
    before += durations[i]!;
  }
  return parts;
}

/** The suffix of a part's own files: `-part-2-of-8` (none for an unsplit job). */
export function partSuffix(part: JobPart | undefined): string {
  return part === undefined ? "" : `-part-${part.index}-of-${part.count}`;
}
