import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { DType, GraphBuilder } from './lib/onnx-graph.ts';
import { chineseCharVocab, writeBertTokenizer } from './lib/tokenizer-files.ts';

/** Shape of a generated BERT encoder. */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  maxPosition: number;
  seed: number;
}

/** Named shapes: a tiny one for tests, bge-small-zh-v1.5's for benchmarks. */
export const PRESETS = {
  tiny: { layers: 2, hidden: 32, heads: 2, intermediate: 64, maxPosition: 512, seed: 7 },
  'bge-small-zh-shape': {
    layers: 4,
    hidden: 512,
    heads: 8,
    intermediate: 2048,
    maxPosition: 512,
    seed: 7,
  },
} satisfies Record<string, BertShape>;
export type Preset = keyof typeof PRESETS;

/** Deterministic normal samples (SplitMix32 + Box–Muller): the same seed, the same weights. */
function normals(seed: number): (n: number, std: number) => Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
  return (n, std) => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u = Math.max(next(), 1e-12);
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      out[i] = r * Math.cos(2 * Math.PI * v);
      if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
    }
    return out;
  };
}

/**
 * Writes a random-weight BERT encoder in transformers.js layout: config.json, tokenizer files,
 * onnx/model.onnx (inputs input_ids, attention_mask, token_type_ids; output last_hidden_state)
 * and our manifest.json. The graph is a real BERT: embeddings + LayerNorm, masked multi-head
 * self-attention, exact-GELU feed-forward, post-LayerNorm residuals.
 */
export function generateRandomBert(dir: string, shape: BertShape, id = 'random-bert'): void {
  const { layers, hidden: H, heads, intermediate: I, maxPosition, seed } = shape;
  if (H % heads !== 0) throw new Error('hidden must be a multiple of heads');
  const vocab = chineseCharVocab();
  const V = vocab.length;
  const hd = H / heads;
  const rnd = normals(seed);
  const g = new GraphBuilder();
  const ones = (n: number) => new Float32Array(n).fill(1);
  const zeros = (n: number) => new Float32Array(n);

  const ids = g.input('input_ids', DType.int64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', DType.int64, ['batch_size', 'sequence_length']);
  const types = g.input('token_type_ids', DType.int64, ['batch_size', 'sequence_length']);

  const wordEmb = g.init('embeddings.word', [V, H], rnd(V * H, 0.02));
  const posEmb = g.init('embeddings.position', [maxPosition, H], rnd(maxPosition * H, 0.02));
  const typeEmb = g.init('embeddings.token_type', [2, H], rnd(2 * H, 0.02));
  const layerNorm = (x: string, name: string) =>
    g.op(
      'LayerNormalization',
      [x, g.init(`${name}.gamma`, [H], ones(H)), g.init(`${name}.beta`, [H], zeros(H))],
      {
        axis: -1,
        epsilon: 1e-12,
      },
    );
  const linear = (x: string, name: string, inDim: number, outDim: number) =>
    g.op('Add', [
      g.op('MatMul', [x, g.init(`${name}.weight`, [inDim, outDim], rnd(inDim * outDim, 0.02))]),
      g.init(`${name}.bias`, [outDim], zeros(outDim)),
    ]);

  // Embeddings: word + position (0..S-1) + token type.
  const seqLen = g.op('Gather', [g.op('Shape', [ids]), g.i64([1])], { axis: 0 });
  const positions = g.op('Range', [g.i64([0]), seqLen, g.i64([1])]);
  let x = g.op('Add', [
    g.op('Add', [
      g.op('Gather', [wordEmb, ids], { axis: 0 }),
      g.op('Gather', [posEmb, positions], { axis: 0 }),
    ]),
    g.op('Gather', [typeEmb, types], { axis: 0 }),
  ]);
  x = layerNorm(x, 'embeddings.norm');

  // Additive mask: 0 where attended, -10000 on padding; shape [B, 1, 1, S].
  const maskF = g.op('Cast', [mask], { to: DType.float });
  const additive = g.op('Mul', [g.op('Sub', [g.f32([1]), maskF]), g.f32([-10000])]);
  const mask4 = g.op('Unsqueeze', [additive, g.i64([1, 2])]);
  const splitHeads = g.i64([0, 0, heads, hd]);
  const mergeHeads = g.i64([0, 0, H]);
  const scale = g.f32([1 / Math.sqrt(hd)]);

  for (let l = 0; l < layers; l++) {
    const p = `layer${l}`;
    const q = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.q`, H, H), splitHeads])], {
      perm: [0, 2, 1, 3],
    });
    const k = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.k`, H, H), splitHeads])], {
      perm: [0, 2, 3, 1],
    });
    const v = g.op('Transpose', [g.op('Reshape', [linear(x, `${p}.v`, H, H), splitHeads])], {
      perm: [0, 2, 1, 3],
    });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, k]), scale]), mask4]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Reshape', [
      g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }),
      mergeHeads,
    ]);
    x = layerNorm(g.op('Add', [x, linear(ctx, `${p}.attn_out`, H, H)]), `${p}.attn_norm`);
    const h = linear(x, `${p}.ffn_in`, H, I);
    const gelu = g.op('Mul', [
      g.op('Mul', [h, g.f32([0.5])]),
      g.op('Add', [g.f32([1]), g.op('Erf', [g.op('Div', [h, g.f32([Math.SQRT2])])])]),
    ]);
    x = layerNorm(g.op('Add', [x, linear(gelu, `${p}.ffn_out`, I, H)]), `${p}.ffn_norm`);
  }
  g.op('Identity', [x], {}, 'last_hidden_state');
  g.output('last_hidden_state', DType.float, ['batch_size', 'sequence_length', H]);

  rmSync(dir, { recursive: true, force: true });
  g.save(join(dir, 'onnx', 'model.onnx'));
  writeBertTokenizer(dir, vocab, maxPosition);
  const config = {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: H,
    num_hidden_layers: layers,
    num_attention_heads: heads,
    intermediate_size: I,
    vocab_size: V,
    max_position_embeddings: maxPosition,
    type_vocab_size: 2,
    hidden_act: 'gelu',
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 1));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify(
      {
        id,
        kind: 'random-bert',
        dimension: H,
        pooling: 'mean',
        normalize: true,
        maxLength: maxPosition,
        queryPrefix: '',
        passagePrefix: '',
        shape,
      },
      null,
      1,
    ),
  );
}

/** Generates a preset into `dir` unless an identical one is already there. */
export function ensureRandomModel(preset: Preset, dir: string): Promise<void> {
  const shape = PRESETS[preset];
  const manifest = join(dir, 'manifest.json');
  if (existsSync(manifest) && existsSync(join(dir, 'onnx', 'model.onnx'))) {
    const m = JSON.parse(readFileSync(manifest, 'utf8')) as { shape?: BertShape; id?: string };
    if (m.id === preset && JSON.stringify(m.shape) === JSON.stringify(shape))
      return Promise.resolve();
  }
  generateRandomBert(dir, shape, preset);
  return Promise.resolve();
}

// CLI: npm run model:fixtures -- --preset tiny --out models/generated/tiny
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      preset: { type: 'string', default: 'tiny' },
      out: { type: 'string' },
      layers: { type: 'string' },
      hidden: { type: 'string' },
      heads: { type: 'string' },
      intermediate: { type: 'string' },
      seed: { type: 'string' },
      'max-position': { type: 'string' },
    },
  });
  const preset = values.preset as Preset;
  const base: BertShape | undefined = PRESETS[preset];
  if (!base) {
    process.stderr.write(`unknown preset ${preset}; known: ${Object.keys(PRESETS).join(', ')}\n`);
    process.exit(2);
  }
  const shape: BertShape = {
    layers: Number(values.layers ?? base.layers),
    hidden: Number(values.hidden ?? base.hidden),
    heads: Number(values.heads ?? base.heads),
    intermediate: Number(values.intermediate ?? base.intermediate),
    maxPosition: Number(values['max-position'] ?? base.maxPosition),
    seed: Number(values.seed ?? base.seed),
  };
  const out = resolve(values.out ?? `models/generated/${preset}`);
  const t0 = performance.now();
  generateRandomBert(out, shape, preset);
  process.stdout.write(`wrote ${out} in ${Math.round(performance.now() - t0)} ms\n`);
}
