import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../src/util/shared-data.ts';

/** A service process started as `npm start` / `npm run worker` would, with its log lines kept. */
export interface Proc {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts `src/server.ts` or `workers/embed-worker.ts` under tsx with the given environment. */
export function startProcess(
  entry: 'src/server.ts' | 'workers/embed-worker.ts',
  env: Record<string, string>,
): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(repoRoot, entry)], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, lines, exited };
}

/** The port a server process logged when it started listening. */
export function listeningPort(p: Proc): number | undefined {
  for (const l of p.lines) {
    const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(l);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** Stops a process with a signal and waits for it. */
export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return p.child.exitCode;
  p.child.kill(signal);
  return p.exited;
}

/** The admin key a server wrote at its first start (it listens only after writing it). */
export function readAdminKey(dataDir: string): string {
  return readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
}
