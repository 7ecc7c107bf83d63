import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../src/util/shared-data.ts';

/**
 * Query/passage conventions of published embedding models (from their model cards): the
 * manifest written beside the weights tells the embedder how to use them.
 */
export const KNOWN_MODELS: Record<
  string,
  { pooling: 'cls' | 'mean'; queryPrefix: string; passagePrefix: string }
> = {
  'Xenova/bge-small-zh-v1.5': {
    pooling: 'cls',
    queryPrefix: '为这个句子生成表示以用于检索相关文章：',
    passagePrefix: '',
  },
  'Xenova/bge-base-zh-v1.5': {
    pooling: 'cls',
    queryPrefix: '为这个句子生成表示以用于检索相关文章：',
    passagePrefix: '',
  },
  'Xenova/multilingual-e5-small': {
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
  },
  'Xenova/multilingual-e5-base': {
    pooling: 'mean',
    queryPrefix: 'query: ',
    passagePrefix: 'passage: ',
  },
};

const FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'onnx/model.onnx',
];
const OPTIONAL = new Set(['special_tokens_map.json']);

/**
 * Downloads a transformers.js model (config, tokenizer, ONNX weights) from a Hugging Face–style
 * hub into `models/<name>/` and writes its manifest. Only for machines with a network: the
 * service itself never downloads.
 */
export async function pullModel(
  id: string,
  opts: { endpoint: string; out?: string; revision?: string },
): Promise<string> {
  const out = resolve(opts.out ?? join(repoRoot, 'models', id.split('/').pop()!));
  const rev = opts.revision ?? 'main';
  for (const f of FILES) {
    const url = `${opts.endpoint.replace(/\/$/, '')}/${id}/resolve/${rev}/${f}`;
    const res = await fetch(url);
    if (!res.ok) {
      if (OPTIONAL.has(f) && res.status === 404) continue;
      throw new Error(`GET ${url} answered ${res.status}`);
    }
    const file = join(out, f);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  }
  const known = KNOWN_MODELS[id] ?? {
    pooling: 'mean' as const,
    queryPrefix: '',
    passagePrefix: '',
  };
  writeFileSync(
    join(out, 'manifest.json'),
    JSON.stringify(
      { id: id.split('/').pop(), source: id, revision: rev, normalize: true, ...known },
      null,
      1,
    ),
  );
  return out;
}

// CLI: npm run model:pull -- Xenova/bge-small-zh-v1.5 [--out DIR] [--revision REV]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const id = args.find((a) => !a.startsWith('--'));
  const flag = (n: string) => {
    const i = args.indexOf(`--${n}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (!id) {
    process.stderr.write(
      `usage: npm run model:pull -- <hub id> [--out DIR] [--revision REV]\nknown: ${Object.keys(KNOWN_MODELS).join(', ')}\n`,
    );
    process.exit(2);
  }
  // The one place a hub address appears; HF_ENDPOINT points it at a mirror.
  const endpoint = process.env.HF_ENDPOINT ?? 'https://huggingface.co';
  const dir = await pullModel(id, { endpoint, out: flag('out'), revision: flag('revision') });
  process.stdout.write(`wrote ${dir}\nuse it with MODEL_PATH=${dir}\n`);
}
