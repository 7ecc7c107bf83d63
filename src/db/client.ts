import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { repoRoot } from '../util/shared-data.ts';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Folder of the committed, generated migrations. */
export const migrationsFolder = resolve(repoRoot, 'src/db/migrations');

/**
 * Opens (creating if needed) the SQLite database with the pragmas the service relies on and
 * applies committed migrations. WAL lets the API read while a worker process writes.
 */
export function openDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Two processes (API and worker) write the same file; wait instead of failing on a lock.
  sqlite.pragma('busy_timeout = 10000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return db;
}
