/** Tick positions for an axis from `low` to `high`: multiples of a 1-2-5 step, about `target` of them. */
export function ticks(low: number, high: number, target: number): { values: number[]; step: number } {
  const span = high - low;
  if (!(span > 0)) return { values: [], step: 0 };
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const values: number[] = [];
  // Integer multiples of the step, so that labels carry no rounding noise (0.30000000000000004).
  for (let i = Math.ceil(low / step - 1e-9); i * step <= high + step * 1e-9; i++) values.push(i * step + 0); // + 0 turns -0 into 0
  return { values, step };
}

/** A tick label: `value / unit` with as many decimals as the step needs. */
export function tickLabel(value: number, step: number, unit: number): string {
  const decimals = Math.max(0, -Math.floor(Math.log10(step / unit) + 1e-9));
  const text = (value / unit).toFixed(decimals);
  return text === "-0" || /^-0\.0*$/.test(text) ? text.slice(1) : text;
}
