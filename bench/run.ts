/**
 * `npm run bench -- <name> [options]`: runs one benchmark (or all with no name). Every benchmark
 * prints a table for people and JSON lines (`{"bench": ...}`) for machines.
 */
type Bench = (argv: string[]) => Promise<void>;

const benches: Record<string, () => Promise<Bench>> = {
  // Benchmarks register here, lazily imported.
  ingest: async () => (await import('./ingest.ts')).default,
};

const [name, ...rest] = process.argv.slice(2);
const names = name === undefined ? Object.keys(benches) : [name];
for (const n of names) {
  const load = benches[n];
  if (!load) {
    process.stderr.write(`unknown benchmark "${n}"; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  const bench = await load();
  await bench(rest);
}
