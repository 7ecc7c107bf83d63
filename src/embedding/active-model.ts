import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { settings } from '../db/schema.ts';
import type { Embedder, TextKind } from './embedder.ts';
import type { ModelInfo } from './model-manifest.ts';

/** The model that serves queries and embeds new listings, as recorded by `matchmaker reembed`. */
export interface ActiveModel {
  id: string;
  dir: string;
  switchedAt: string;
}

const KEY = 'active_model';

/** The recorded active model, or undefined when none was ever switched to (config decides). */
export function readActiveModel(db: Db): ActiveModel | undefined {
  const row = db.select().from(settings).where(eq(settings.key, KEY)).get();
  const v = row?.value as Partial<ActiveModel> | undefined;
  return v && typeof v.id === 'string' && typeof v.dir === 'string'
    ? { id: v.id, dir: v.dir, switchedAt: String(v.switchedAt) }
    : undefined;
}

/** Records the active model; every process picks it up on its next check. */
export function writeActiveModel(db: Db, model: { id: string; dir: string }): ActiveModel {
  const value: ActiveModel = { ...model, switchedAt: new Date().toISOString() };
  db.insert(settings)
    .values({ key: KEY, value, updatedAt: new Date() })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date() } })
    .run();
  return value;
}

/**
 * An embedder whose model can be replaced while jobs hold on to it: every call goes to the
 * current one, so handlers built at start embed with the model switched to later.
 */
export class SwitchableEmbedder implements Embedder {
  constructor(private current: Embedder) {}

  get model(): ModelInfo {
    return this.current.model;
  }

  embed(texts: string[], kind: TextKind): Promise<Float32Array[]> {
    return this.current.embed(texts, kind);
  }

  /** Swaps in `next` and returns the previous embedder (for the caller to close). */
  swap(next: Embedder): Embedder {
    const prev = this.current;
    this.current = next;
    return prev;
  }

  close(): Promise<void> {
    return this.current.close();
  }
}
