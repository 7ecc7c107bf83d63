import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { KeyRepo } from './keys.ts';

/**
 * First start: with no ADMIN_API_KEY and no admin key stored, create one and write it to
 * `DATA_DIR/admin.key` (mode 0600). The log names the file, never the key.
 */
export function bootstrapAdmin(
  keys: KeyRepo,
  opts: { dataDir: string; envKeySet: boolean },
  log: Logger,
): void {
  if (opts.envKeySet || keys.hasAdmin()) return;
  const file = join(opts.dataDir, 'admin.key');
  const { row, key } = keys.create({
    role: 'admin',
    organisationId: null,
    name: 'bootstrap admin',
    createdBy: null,
  });
  // Replace a stale file (its key no longer exists) rather than leave two truths.
  if (existsSync(file)) chmodSync(file, 0o600);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  log.warn(
    { file, keyId: row.id },
    'created the first admin API key; read it from this file (it is shown nowhere else)',
  );
}
