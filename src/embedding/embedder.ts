import { dirname, basename } from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import type { ModelInfo } from './model-manifest.ts';

/** Whether a text is a search query or a stored document: some models prefix them differently. */
export type TextKind = 'query' | 'passage';

/** Turns texts into unit vectors of one model's space. */
export interface Embedder {
  readonly model: ModelInfo;
  embed(texts: string[], kind: TextKind): Promise<Float32Array[]>;
  close(): Promise<void>;
}

interface Pending {
  text: string;
  resolve: (v: Float32Array) => void;
  reject: (e: unknown) => void;
}

export interface BatchingOptions {
  batchSize: number;
  /** How long to wait for more texts before running a partial batch. */
  waitMs: number;
  /** Texts are cut to this many characters before tokenising (the tokenizer truncates tokens). */
  maxChars: number;
}

/**
 * The transformers.js `feature-extraction` pipeline over a local model directory, with remote
 * loading off. Concurrent `embed` calls (one per queue job) are gathered into batches: the
 * model is far faster per text in batches, and jobs arrive one at a time.
 */
export class TransformersEmbedder implements Embedder {
  private queue: Pending[] = [];
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly model: ModelInfo,
    private readonly extractor: FeatureExtractionPipeline,
    private readonly opts: BatchingOptions,
  ) {}

  /** Loads the model directory through the real transformers.js loader. */
  static async load(model: ModelInfo, opts: BatchingOptions): Promise<TransformersEmbedder> {
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dirname(model.dir);
    const extractor = await pipeline('feature-extraction', basename(model.dir), {
      dtype: 'fp32',
      local_files_only: true,
    });
    return new TransformersEmbedder(model, extractor, opts);
  }

  embed(texts: string[], kind: TextKind): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new Error('embedder is closed'));
    const prefix = kind === 'query' ? this.model.queryPrefix : this.model.passagePrefix;
    return Promise.all(
      texts.map(
        (t) =>
          new Promise<Float32Array>((resolve, reject) => {
            this.queue.push({ text: prefix + t.slice(0, this.opts.maxChars), resolve, reject });
            this.schedule();
          }),
      ),
    );
  }

  /** Embeds texts as one batch, bypassing the queue (the raw-throughput baseline). */
  async embedBatch(texts: string[]): Promise<Float32Array[]> {
    const out = await this.extractor(texts, {
      pooling: this.model.pooling,
      normalize: this.model.normalize,
    });
    const dim = this.model.dimension;
    const data = out.data as Float32Array;
    if (out.dims.length !== 2 || out.dims[1] !== dim) {
      throw new Error(`model returned shape [${out.dims.join(', ')}], expected [n, ${dim}]`);
    }
    return texts.map((_, i) => data.slice(i * dim, (i + 1) * dim));
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queue.length >= this.opts.batchSize) {
      this.flushSoon(0);
    } else if (this.timer === undefined) {
      this.flushSoon(this.opts.waitMs);
    }
  }

  private flushSoon(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, ms);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.opts.batchSize);
        try {
          const vectors = await this.embedBatch(batch.map((p) => p.text));
          batch.forEach((p, i) => p.resolve(vectors[i]!));
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
        // Let jobs that finished enqueue their successors before the next batch is cut.
        await new Promise((r) => setImmediate(r));
        if (this.queue.length < this.opts.batchSize && this.queue.length > 0) {
          await new Promise((r) => setTimeout(r, this.opts.waitMs));
        }
      }
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const p of this.queue.splice(0)) p.reject(new Error('embedder closed'));
    await this.extractor.dispose();
  }
}
