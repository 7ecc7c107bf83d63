import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TransformersEmbedder } from '../../src/embedding/embedder.ts';
import { readModelInfo } from '../../src/embedding/model-manifest.ts';
import { generateRandomBert, PRESETS } from '../../models/generate-random-bert.ts';

// The generated model runs through the real transformers.js pipeline and onnxruntime.
describe('generated random BERT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rbert-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is byte-identical for the same shape and seed', () => {
    generateRandomBert(join(dir, 'a'), PRESETS.tiny, 'tiny');
    generateRandomBert(join(dir, 'b'), PRESETS.tiny, 'tiny');
    const bytes = (d: string) => readFileSync(join(dir, d, 'onnx', 'model.onnx'));
    expect(bytes('a').equals(bytes('b'))).toBe(true);
    generateRandomBert(join(dir, 'c'), { ...PRESETS.tiny, seed: 8 }, 'tiny');
    expect(bytes('a').equals(bytes('c'))).toBe(false);
  });

  it('loads through transformers.js: right dimension, padding masked, one token per Chinese character', async () => {
    const info = await readModelInfo(join(dir, 'a'));
    expect(info.dimension).toBe(PRESETS.tiny.hidden);
    const e = await TransformersEmbedder.load(info, { batchSize: 8, waitMs: 1, maxChars: 4000 });
    try {
      const [alone] = await e.embedBatch(['储能电池']);
      const [inBatch, long] = await e.embedBatch(['储能电池', '一段长得多的文本，用来迫使短文本在批次里被填充到同样长度。']);
      expect(alone!.length).toBe(PRESETS.tiny.hidden);
      for (let i = 0; i < alone!.length; i++) expect(Math.abs(alone![i]! - inBatch![i]!)).toBeLessThan(1e-4);
      const norm = Math.hypot(...alone!);
      expect(norm).toBeCloseTo(1, 4);
      expect(long!.some((v, i) => Math.abs(v - alone![i]!) > 1e-3)).toBe(true);
      const tokenizer = (e as unknown as { extractor: { tokenizer: { tokenize(t: string): string[] } } }).extractor.tokenizer;
      expect(tokenizer.tokenize('技术需求')).toEqual(['技', '术', '需', '求']);
    } finally {
      await e.close();
    }
  });
});
