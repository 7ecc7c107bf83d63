/** Parses `a=1,b=x` into a record (CLI filters and weights). */
export function parseKeyValues(
  s: string | undefined,
  allowed: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  for (const part of s.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    if (eq < 0 || !allowed.includes(key))
      throw new UsageError(`"${part}": expected key=value with key one of ${allowed.join(', ')}`);
    out[key] = part.slice(eq + 1);
  }
  return out;
}

/** A bad command line: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {}

/** A positive integer option, or undefined when absent. */
export function intOption(name: string, v: string | undefined, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}
