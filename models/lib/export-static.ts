/**
 * Writes a static embedding table as a transformers.js model directory: the table quantised to
 * int8 with one float scale per row, and an ONNX graph that gathers the rows of the input ids,
 * dequantises them and zeroes padding. transformers.js's feature-extraction pipeline then does
 * mean pooling over the attention mask and L2 normalisation, exactly as for a published BERT.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { DType, GraphBuilder } from './onnx-graph.ts';
import type { StaticTable } from './static-embed.ts';
import { writeUnigramTokenizer } from './unigram-tokenizer.ts';
import { PAD_ID, type Vocab } from './vocab.ts';

const { onnx } = onnxProto;

/** An int8 table with one scale per row: row i ≈ q[i, :] · scale[i]. */
export interface QuantizedTable {
  dim: number;
  rows: number;
  q: Int8Array;
  scale: Float32Array;
}

/** Symmetric per-row int8 quantisation (max |x| maps to 127). */
export function quantizeRows(t: StaticTable): QuantizedTable {
  const q = new Int8Array(t.rows * t.dim);
  const scale = new Float32Array(t.rows);
  for (let i = 0; i < t.rows; i++) {
    const o = i * t.dim;
    let mx = 0;
    for (let c = 0; c < t.dim; c++) mx = Math.max(mx, Math.abs(t.data[o + c]!));
    if (mx === 0) continue;
    const s = Math.fround(mx / 127);
    scale[i] = s;
    for (let c = 0; c < t.dim; c++) q[o + c] = Math.round(t.data[o + c]! / s);
  }
  return { dim: t.dim, rows: t.rows, q, scale };
}

/** The float table the exported model computes with (for in-memory checks against the ONNX run). */
export function dequantize(qt: QuantizedTable): StaticTable {
  const data = new Float32Array(qt.rows * qt.dim);
  for (let i = 0; i < qt.rows; i++) {
    const s = qt.scale[i]!;
    for (let c = 0; c < qt.dim; c++) data[i * qt.dim + c] = qt.q[i * qt.dim + c]! * s;
  }
  return { dim: qt.dim, rows: qt.rows, data };
}

/** The ONNX graph bytes: input_ids, attention_mask → last_hidden_state [batch, seq, dim]. */
export function staticModelOnnx(qt: QuantizedTable): Uint8Array {
  const g = new GraphBuilder();
  const ids = g.input('input_ids', DType.int64, ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', DType.int64, ['batch_size', 'sequence_length']);
  const table = g.init('embeddings.q', [qt.rows, qt.dim], qt.q);
  const scale = g.init('embeddings.scale', [qt.rows, 1], qt.scale);
  const rows = g.op('Cast', [g.op('Gather', [table, ids], { axis: 0 })], { to: DType.float });
  const scaled = g.op('Mul', [rows, g.op('Gather', [scale, ids], { axis: 0 })]);
  const maskF = g.op('Unsqueeze', [g.op('Cast', [mask], { to: DType.float }), g.i64([-1])]);
  g.op('Mul', [scaled, maskF], {}, 'last_hidden_state');
  g.output('last_hidden_state', DType.float, ['batch_size', 'sequence_length', qt.dim]);
  return g.toBytes(17, 'techmatch-model-build');
}

/** What goes into manifest.json and config.json besides the weights. */
export interface ExportMeta {
  id: string;
  maxLength: number;
  /** Free-form build facts recorded in the manifest (method, options, figures). */
  build: Record<string, unknown>;
}

/** Writes the whole model directory (replacing it). */
export function writeStaticModel(
  dir: string,
  vocab: Vocab,
  qt: QuantizedTable,
  meta: ExportMeta,
): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'onnx', 'model.onnx'), staticModelOnnx(qt));
  writeUnigramTokenizer(dir, vocab, meta.maxLength);
  const config = {
    architectures: ['StaticEmbeddingModel'],
    // transformers.js loads any encoder-only ONNX graph as a BertModel: it feeds the inputs the
    // graph declares (input_ids, attention_mask) and reads last_hidden_state.
    model_type: 'bert',
    hidden_size: qt.dim,
    vocab_size: qt.rows,
    max_position_embeddings: meta.maxLength,
    pad_token_id: PAD_ID,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const manifest = {
    id: meta.id,
    dimension: qt.dim,
    pooling: 'mean',
    normalize: true,
    maxLength: meta.maxLength,
    queryPrefix: '',
    passagePrefix: '',
    build: meta.build,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** Reads an exported model directory back: its vocabulary (tokenizer.json) and int8 table (ONNX). */
export function readStaticModel(dir: string): { vocab: Vocab; table: QuantizedTable } {
  const tok = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Array<[string, number]> };
  };
  const vocab: Vocab = {
    pieces: tok.model.vocab.map(([p]) => p),
    scores: tok.model.vocab.map(([, s]) => s),
    counts: tok.model.vocab.map(() => 0),
  };
  const model = onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'model.onnx')));
  const init = (name: string): onnxProto.onnx.ITensorProto => {
    const t = model.graph?.initializer?.find((i) => i.name === name);
    if (!t?.rawData || !t.dims) throw new Error(`${dir}: no initializer ${name}`);
    return t;
  };
  const q = init('embeddings.q');
  const s = init('embeddings.scale');
  const [rows, dim] = q.dims!.map(Number) as [number, number];
  const qBytes = q.rawData!;
  const sBytes = Uint8Array.from(s.rawData!);
  return {
    vocab,
    table: {
      rows,
      dim,
      q: new Int8Array(Uint8Array.from(qBytes).buffer),
      scale: new Float32Array(sBytes.buffer),
    },
  };
}
