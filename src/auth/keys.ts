import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiKeys, type ApiKeyRow } from '../db/schema.ts';
import { uuidv7 } from '../util/ids.ts';
import type { Principal, Role } from './roles.ts';

/** Prefix of every key the service issues: easy to spot in a leaked log or a config file. */
const KEY_PREFIX = 'tmk_';
/** Characters of a key kept in clear for people to tell keys apart (never enough to use one). */
const SHOWN = KEY_PREFIX.length + 6;
/** Last-used times are written at most this often per key, not on every request. */
const TOUCH_EVERY_MS = 60_000;

/** SHA-256 of a key: keys are 256 random bits, so a fast hash is enough (no password stretching). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key: 32 bytes (256 bits), base64url. */
export function newKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export interface NewKey {
  role: Role;
  organisationId: string | null;
  name: string;
  createdBy: string | null;
}

/** API keys: stored only as hashes, shown once at creation, revocable. */
export class KeyRepo {
  private readonly byHash;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    /** ADMIN_API_KEY: accepted as an admin key without a row. */
    private readonly envAdminKey?: string,
  ) {
    this.byHash = db.$client.prepare(
      'SELECT id, role, organisation_id AS organisationId, name FROM api_keys WHERE hash = ? AND revoked_at IS NULL',
    );
  }

  /** Creates a key; the clear key is returned here and never again. */
  create(k: NewKey): { row: ApiKeyRow; key: string } {
    const key = newKey();
    const row = this.db
      .insert(apiKeys)
      .values({
        id: uuidv7(),
        name: k.name,
        role: k.role,
        organisationId: k.organisationId,
        hash: hashKey(key),
        shown: key.slice(0, SHOWN),
        createdBy: k.createdBy,
        createdAt: new Date(),
      })
      .returning()
      .get();
    return { row, key };
  }

  /** The principal a key acts as, or undefined for an unknown or revoked key. */
  verify(key: string): Principal | undefined {
    if (this.envAdminKey !== undefined && sameText(key, this.envAdminKey)) {
      return { keyId: 'env-admin', role: 'admin', organisationId: null, name: 'ADMIN_API_KEY' };
    }
    if (!key.startsWith(KEY_PREFIX) || key.length > 100) return undefined;
    const r = this.byHash.get(hashKey(key)) as
      { id: string; role: Role; organisationId: string | null; name: string } | undefined;
    if (!r) return undefined;
    this.touch(r.id);
    return { keyId: r.id, role: r.role, organisationId: r.organisationId, name: r.name };
  }

  private touch(id: string): void {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    this.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiKeys.id, id))
      .run();
  }

  get(id: string): ApiKeyRow | undefined {
    return this.db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
  }

  /** Keys newest first; `role` narrows to one role, `before` pages by id. */
  list(f: { role?: Role; includeRevoked?: boolean; before?: string; limit: number }): ApiKeyRow[] {
    const where = [];
    if (f.role) where.push(eq(apiKeys.role, f.role));
    if (!f.includeRevoked) where.push(isNull(apiKeys.revokedAt));
    if (f.before) where.push(lt(apiKeys.id, f.before));
    return this.db
      .select()
      .from(apiKeys)
      .where(and(...where))
      .orderBy(desc(apiKeys.id))
      .limit(f.limit)
      .all();
  }

  /** Revokes a key; false when it does not exist or was revoked already. */
  revoke(id: string): boolean {
    return (
      this.db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .run().changes > 0
    );
  }

  /** Whether any admin key is stored and not revoked (bootstrap). */
  hasAdmin(): boolean {
    return (
      this.db
        .select({ n: sql<number>`count(*)` })
        .from(apiKeys)
        .where(and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt)))
        .get()!.n > 0
    );
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(hashKey(a), 'hex');
  const y = Buffer.from(hashKey(b), 'hex');
  return timingSafeEqual(x, y);
}
