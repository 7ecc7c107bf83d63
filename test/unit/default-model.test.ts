import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dequantize, readStaticModel } from '../../models/lib/export-static.ts';
import { tableEmbedder } from '../../models/lib/static-embed.ts';
import { UnigramSegmenter } from '../../models/lib/unigram.ts';
import { UNK_ID } from '../../models/lib/vocab.ts';
import { TransformersEmbedder } from '../../src/embedding/embedder.ts';
import { readModelInfo } from '../../src/embedding/model-manifest.ts';
import { repoRoot, sharedDataPath } from '../../src/util/shared-data.ts';

// The shipped default model (models/default, built by `npm run model:build`) loaded through the
// service's own transformers.js embedder, checked against the build's in-memory model.
const DIR = resolve(repoRoot, 'models/default');

/** Every `step`-th non-empty line of a shared-data file, up to `n` lines. */
function sampleLines(file: string, n: number, step: number): string[] {
  const lines = readFileSync(sharedDataPath(file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const out: string[] = [];
  for (let i = 0; i < lines.length && out.length < n; i += step) out.push(lines[i]!);
  return out;
}

/** Real texts of every kind the service sees: listings, titles, abstracts, English, mixed. */
function realTexts(): string[] {
  return [
    ...sampleLines('corpus/zh/zhibei_listings.txt', 60, 37),
    ...sampleLines('corpus/zh/csl_train_titles.txt', 40, 101),
    ...sampleLines('corpus/en/arxiv_cs_abstracts_en.txt', 20, 997),
    ...sampleLines('corpus/bilingual/ms_terminology_en_zh.txt', 20, 499),
    ...sampleLines('corpus/zh/fewclue_tnews_titles.txt', 20, 499),
    'ＬＥＤ照明、5G基站与α-淀粉酶；Ｐｙｔｈｏｎ３脚本 ①②③ 𠮷野家 — émigré café',
  ].map((t) => t.slice(0, 1500));
}

describe('shipped default model (models/default)', () => {
  let embedder: TransformersEmbedder;
  let seg: UnigramSegmenter;
  let inMemory: (texts: string[]) => Float32Array;
  let dim: number;

  beforeAll(async () => {
    const info = await readModelInfo(DIR);
    dim = info.dimension;
    embedder = await TransformersEmbedder.load(info, {
      batchSize: 16,
      waitMs: 1,
      maxChars: 100_000,
    });
    const { vocab, table } = readStaticModel(DIR);
    seg = new UnigramSegmenter(vocab.pieces, vocab.scores, UNK_ID);
    inMemory = tableEmbedder(dequantize(table), seg, info.maxLength - 1);
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it('has a manifest the service understands and fits the size budget', async () => {
    const info = await readModelInfo(DIR);
    expect(info.pooling).toBe('mean');
    expect(info.normalize).toBe(true);
    const bytes = readFileSync(resolve(DIR, 'onnx/model.onnx')).length;
    const tok = readFileSync(resolve(DIR, 'tokenizer.json')).length;
    expect(bytes + tok).toBeLessThan(50 * 1024 * 1024);
  });

  it('transformers.js tokenizes exactly as the build segmenter does', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = resolve(DIR, '..');
    const tokenizer = await AutoTokenizer.from_pretrained('default', { local_files_only: true });
    for (const text of realTexts()) {
      const expected = [2, ...seg.encodeText(text)].slice(0, 512);
      const ids = tokenizer.encode(text, { add_special_tokens: true });
      expect(ids, text.slice(0, 80)).toEqual(expected);
    }
  });

  it('gives the in-memory model vectors through the service embedder', async () => {
    const texts = realTexts();
    const got = await embedder.embedBatch(texts);
    const want = inMemory(texts);
    got.forEach((v, i) => {
      let dot = 0;
      for (let c = 0; c < dim; c++) dot += v[c]! * want[i * dim + c]!;
      expect(dot, texts[i]!.slice(0, 80)).toBeGreaterThan(0.9999);
    });
  });

  it('carries meaning: a need ranks the offer on its topic above unrelated ones', async () => {
    // Hand-written pairs (need, matching offer, unrelated offers); few words are shared verbatim.
    const cases: Array<{ need: string; match: string; others: string[] }> = [
      {
        need: '工厂污水处理，希望降低化学需氧量和氨氮排放',
        match: '一种高效生物膜反应器，用于工业废水脱氮除磷，出水达到排放标准',
        others: ['基于深度学习的人脸识别门禁系统', '新型锂电池正极材料及其制备方法'],
      },
      {
        need: '寻找能识别图像中缺陷的视觉检测算法',
        match: '基于卷积神经网络的产品表面瑕疵自动检测技术',
        others: ['高产抗病水稻新品种选育', '城市污水厂污泥资源化利用'],
      },
      {
        need: '提高锂电池的能量密度和循环寿命',
        match: '高镍三元正极材料及固态电解质技术，提升储能电芯容量',
        others: ['农村电商物流配送平台', '中药提取物治疗失眠的配方'],
      },
      {
        need: '小麦病虫害防治',
        match: '一种防治农作物蚜虫和锈病的生物农药',
        others: ['工业机器人关节减速器', '数据库查询优化方法'],
      },
    ];
    for (const c of cases) {
      const [need, match, ...others] = await embedder.embed(
        [c.need, c.match, ...c.others],
        'query',
      );
      const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
      for (const o of others) expect(cos(need!, match!), c.need).toBeGreaterThan(cos(need!, o));
    }
  });
});
