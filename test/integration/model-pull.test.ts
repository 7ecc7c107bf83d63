import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readModelInfo } from '../../src/embedding/model-manifest.ts';
import { pullModel } from '../../models/pull.ts';
import { TINY_MODEL } from '../helpers/env.ts';

// No network here: a local HTTP server on loopback plays the hub, serving the tiny model's
// files under /<id>/resolve/<rev>/<file> as the real hub lays them out.
describe('model:pull', () => {
  const out = mkdtempSync(join(tmpdir(), 'pull-'));
  const server = createServer((req, res) => {
    const m = /^\/Xenova\/multilingual-e5-small\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const file = m ? join(TINY_MODEL, m[1]!) : '';
    if (!m || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200).end(readFileSync(file));
  });
  afterAll(() => {
    server.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('downloads a model and writes a manifest with its prefixes', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dir = await pullModel('Xenova/multilingual-e5-small', { endpoint, out: join(out, 'e5') });
    const info = await readModelInfo(dir);
    expect(info.queryPrefix).toBe('query: ');
    expect(info.passagePrefix).toBe('passage: ');
    expect(
      readFileSync(join(dir, 'onnx/model.onnx')).equals(
        readFileSync(join(TINY_MODEL, 'onnx/model.onnx')),
      ),
    ).toBe(true);
    await expect(pullModel('Xenova/unknown', { endpoint, out: join(out, 'x') })).rejects.toThrow(
      /404/,
    );
  });
});
