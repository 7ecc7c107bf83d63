import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/**
 * Writes the Hugging Face tokenizer files of a BERT WordPiece tokenizer: lower-casing, every CJK
 * character split out as its own token (as bert-base-chinese and bge-small-zh do), [CLS] … [SEP].
 * `vocab` must start with the special tokens in SPECIAL_TOKENS order.
 */
export function writeBertTokenizer(dir: string, vocab: string[], maxLength: number): void {
  SPECIAL_TOKENS.forEach((t, i) => {
    if (vocab[i] !== t) throw new Error(`vocab[${i}] must be ${t}`);
  });
  mkdirSync(dir, { recursive: true });
  const id = (t: string) => vocab.indexOf(t);
  const special = (t: string) => ({
    id: id(t),
    content: t,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        model_max_length: maxLength,
        do_lower_case: true,
        tokenize_chinese_chars: true,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
      },
      null,
      1,
    ),
  );
  writeFileSync(
    join(dir, 'special_tokens_map.json'),
    JSON.stringify({
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      pad_token: '[PAD]',
      unk_token: '[UNK]',
      mask_token: '[MASK]',
    }),
  );
  writeFileSync(join(dir, 'vocab.txt'), vocab.join('\n') + '\n');
}

/**
 * A BERT vocabulary in which every CJK unified ideograph (U+4E00–U+9FFF) is one token, plus
 * ASCII letters, digits and punctuation (with `##` continuations, so English words split into
 * characters rather than [UNK]). About 21,100 tokens, the size of bge-small-zh's.
 */
export function chineseCharVocab(): string[] {
  const vocab: string[] = [...SPECIAL_TOKENS];
  const ascii: string[] = [];
  for (let c = 33; c < 127; c++) {
    const ch = String.fromCharCode(c);
    if (ch >= 'A' && ch <= 'Z') continue; // lower-cased by the normalizer
    ascii.push(ch);
  }
  vocab.push(...ascii);
  for (const ch of ascii) if (/[a-z0-9]/.test(ch)) vocab.push(`##${ch}`);
  // Full-width punctuation common in Chinese text.
  vocab.push(...'，。、；：？！“”‘’（）《》【】—…·'.split(''));
  for (let c = 0x4e00; c <= 0x9fff; c++) vocab.push(String.fromCharCode(c));
  return vocab;
}
