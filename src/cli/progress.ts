import type { Run } from '../rematch/schemas.ts';

/** `1m05s`-style durations for ETAs. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(r).padStart(2, '0')}s`
      : `${r}s`;
}

/** One progress line: a bar (on a terminal), done/total, rate and ETA. */
export function progressLine(run: Run, opts: { bar: boolean; width?: number }): string {
  const p = run.progress;
  const frac = p.totalListings === 0 ? 1 : p.doneListings / p.totalListings;
  const width = opts.width ?? 30;
  const filled = Math.round(frac * width);
  const bar = opts.bar ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
  const eta = p.etaSeconds === null ? '' : ` ETA ${formatDuration(p.etaSeconds)}`;
  return (
    `${bar}run ${run.id} ${run.status} ${(frac * 100).toFixed(1)}% ` +
    `${p.doneListings}/${p.totalListings} ${run.side}s, chunks ${p.doneChunks}/${p.totalChunks}, ` +
    `${p.rate.toFixed(1)} ${run.side}s/s${eta}`
  );
}
