/** The `matchmaker` command: one registry of sub-commands, each a module exporting `run`. */
export interface CliCommand {
  summary: string;
  /** Runs the command and resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<CliCommand>> = {
  // Sub-commands register here, lazily imported so one command's dependencies never slow another.
  eval: async () => (await import('./eval.ts')).command,
  schedule: async () => (await import('./schedule.ts')).command,
  rematch: async () => (await import('./rematch.ts')).command,
  diff: async () => (await import('./diff.ts')).command,
  reembed: async () => (await import('./reembed.ts')).command,
};

/** Parses the first word as the command name and runs it. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const load = name === undefined ? undefined : commands[name];
  if (!load) {
    const list = Object.keys(commands)
      .sort()
      .map((n) => `  ${n}`)
      .join('\n');
    process.stderr.write(`usage: matchmaker <command> [options]\n\ncommands:\n${list}\n`);
    return name === undefined || name === '--help' || name === 'help' ? 0 : 2;
  }
  const cmd = await load();
  return cmd.run(rest);
}
