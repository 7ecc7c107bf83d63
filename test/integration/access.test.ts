import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, testEnv, type TestService } from '../helpers/env.ts';

interface Operation {
  security?: unknown[];
  'x-roles'?: string[];
  parameters?: { in: string; name: string; schema?: { type?: string; format?: string } }[];
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const ROLES = ['admin', 'organiser', 'analyst', 'enterprise'] as const;
const PUBLIC = new Set(['GET /healthz', 'GET /readyz']);

/** A URL for an operation: path parameters filled with well-formed values that exist nowhere. */
function urlOf(path: string, op: Operation): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const p = op.parameters?.find((x) => x.in === 'path' && x.name === name);
    if (p?.schema?.type === 'integer') return '1';
    return '0190c7d2-0000-7000-8000-000000000000';
  });
}

// Real SQLite, real tiny model, the real app's OpenAPI document: every operation it lists is
// called anonymously and with a key of each role, and must answer as its declaration says.
describe('access: every operation declares its roles and the hook enforces them', () => {
  const t = testEnv();
  let s: TestService;
  let doc: Doc;
  const keys: Partial<Record<(typeof ROLES)[number], string>> = {};

  beforeAll(async () => {
    s = await startService(t.env);
    doc = (await s.app.inject({ url: '/docs/json' })).json<Doc>();
    const org = (
      await s.inject({
        method: 'POST',
        url: '/v1/organisations',
        payload: { name: '测试企业', kind: 'enterprise' },
      })
    ).json<{ id: string }>().id;
    keys.admin = s.adminKey;
    keys.organiser = await s.key('organiser');
    keys.analyst = await s.key('analyst');
    keys.enterprise = await s.key('enterprise', org);
  });
  afterAll(async () => {
    await s.close();
    t.cleanup();
  });

  const operations = (): [string, string, Operation][] =>
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(
        ([m, op]) => [m.toUpperCase(), path, op] as [string, string, Operation],
      ),
    );

  it('the first start wrote the admin key to DATA_DIR/admin.key, readable by its owner only', () => {
    const st = statSync(join(t.dataDir, 'admin.key'));
    expect(st.mode & 0o777).toBe(0o600);
    expect(s.adminKey).toMatch(/^tmk_[A-Za-z0-9_-]{43}$/);
  });

  it('lists the security scheme and the roles of every non-public operation', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(30);
    for (const [method, path, op] of ops) {
      const name = `${method} ${path}`;
      if (PUBLIC.has(name)) {
        expect(op.security, name).toBeUndefined();
        continue;
      }
      expect(op.security, name).toEqual([{ apiKey: [] }]);
      expect(op['x-roles'], name).toContain('admin');
    }
  });

  it('answers 401 unauthorized to anonymous and unknown keys, 403 forbidden to other roles', async () => {
    for (const [method, path, op] of operations()) {
      const name = `${method} ${path}`;
      const url = urlOf(path, op);
      const call = (key?: string) =>
        s.app.inject({
          method: method as 'GET',
          url,
          headers: key ? { authorization: `Bearer ${key}` } : {},
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
        });
      if (PUBLIC.has(name)) {
        expect((await call()).statusCode, name).not.toBe(401);
        continue;
      }
      for (const key of [undefined, 'tmk_not-a-key-at-all-0000000000000000000000000']) {
        const res = await call(key);
        expect(res.statusCode, `${name} with ${key ?? 'no key'}`).toBe(401);
        expect(res.json<{ code: string }>().code).toBe('unauthorized');
      }
      for (const role of ROLES) {
        const res = await call(keys[role]);
        const granted = op['x-roles']!.includes(role);
        if (granted) expect([401, 403], `${name} as ${role}`).not.toContain(res.statusCode);
        else {
          expect(res.statusCode, `${name} as ${role}`).toBe(403);
          expect(res.json<{ code: string }>().code).toBe('forbidden');
        }
      }
    }
  });

  it('a revoked key stops working at once; organisers manage only enterprise keys', async () => {
    const key = await s.key('analyst');
    const list = (await s.inject({ url: '/v1/api-keys?role=analyst' })).json<{
      items: { id: string; shown: string }[];
    }>();
    const mine = list.items.find((k) => key.startsWith(k.shown));
    expect(mine).toBeDefined();
    expect((await s.as(key)('/v1/me')).statusCode).toBe(200);
    const asOrganiser = s.as(keys.organiser!);
    expect(
      (await asOrganiser({ method: 'DELETE', url: `/v1/api-keys/${mine!.id}` })).statusCode,
    ).toBe(404);
    expect(
      (
        await asOrganiser({
          method: 'POST',
          url: '/v1/api-keys',
          payload: { role: 'admin', name: 'escalation' },
        })
      ).statusCode,
    ).toBe(403);
    expect((await s.inject({ method: 'DELETE', url: `/v1/api-keys/${mine!.id}` })).statusCode).toBe(
      204,
    );
    const after = await s.as(key)('/v1/me');
    expect(after.statusCode).toBe(401);
    // The list never shows a key itself, only its first characters.
    expect(JSON.stringify(list)).not.toContain(key);
  });
});
