import * as ort from 'onnxruntime-node';
import { DType, GraphBuilder } from '../../models/lib/onnx-graph.ts';

/**
 * Brute-force top-k as one ONNX graph: Gemm(Q, Xᵀ) then TopK, run by onnxruntime's optimised
 * matrix multiply. Scanning 100k vectors of 256 floats per query is ~25 M multiply-adds: a
 * scalar JavaScript loop does that in tens of milliseconds, this in about one. One thread per
 * session: parallelism comes from worker processes, as for HNSW.
 */
let session: Promise<ort.InferenceSession> | undefined;

function buildGraph(): Uint8Array {
  const g = new GraphBuilder();
  const q = g.input('q', DType.float, ['b', 'd']);
  const x = g.input('x', DType.float, ['n', 'd']);
  const k = g.input('k', DType.int64, [1]);
  const s = g.op('Gemm', [q, x], { transB: 1 });
  g.opMulti('TopK', [s, k], ['scores', 'indices'], { axis: 1, largest: 1, sorted: 1 });
  g.output('scores', DType.float, ['b', 'k']);
  g.output('indices', DType.int64, ['b', 'k']);
  return g.toBytes(17);
}

function getSession(): Promise<ort.InferenceSession> {
  session ??= ort.InferenceSession.create(buildGraph(), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  return session;
}

/**
 * The top `k` rows of `x` (n × d, row-major) for each query in `q` (b × d): row indices and
 * dot products, best first.
 */
export async function gemmTopK(
  q: Float32Array,
  b: number,
  x: Float32Array,
  n: number,
  d: number,
  k: number,
): Promise<{ indices: BigInt64Array; scores: Float32Array; k: number }> {
  const kk = Math.min(k, n);
  const s = await getSession();
  const out = await s.run({
    q: new ort.Tensor('float32', q, [b, d]),
    x: new ort.Tensor('float32', x.subarray(0, n * d), [n, d]),
    k: new ort.Tensor('int64', BigInt64Array.from([BigInt(kk)]), [1]),
  });
  return {
    indices: out.indices!.data as BigInt64Array,
    scores: out.scores!.data as Float32Array,
    k: kk,
  };
}
