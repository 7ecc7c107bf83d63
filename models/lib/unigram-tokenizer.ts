/**
 * Writes the tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json) of
 * our Unigram vocabulary in the Hugging Face layout that transformers.js's AutoTokenizer reads.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRE_TOKEN_PATTERN } from './text.ts';
import { CLS_ID, PAD_ID, SPECIAL_TOKENS, UNK_ID, type Vocab } from './vocab.ts';

/** The tokenizer.json object for `vocab` (HF tokenizers format, Unigram model). */
export function unigramTokenizerJson(vocab: Vocab): object {
  const cls = SPECIAL_TOKENS[CLS_ID];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    // invert + Removed keeps only the matches, in both the Rust library and transformers.js.
    pre_tokenizer: {
      type: 'Split',
      pattern: { Regex: PRE_TOKEN_PATTERN },
      behavior: 'Removed',
      invert: true,
    },
    // A leading [CLS] (zero row) guarantees at least one token, so text made only of punctuation
    // still gives a well-formed tensor.
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: cls, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: cls, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [cls]: { id: cls, ids: [CLS_ID], tokens: [cls] } },
    },
    decoder: { type: 'Fuse' },
    model: {
      type: 'Unigram',
      unk_id: UNK_ID,
      byte_fallback: false,
      vocab: vocab.pieces.map((p, i) => [p, vocab.scores[i] ?? 0]),
    },
  };
}

/** Writes tokenizer.json and its config files into `dir`. */
export function writeUnigramTokenizer(dir: string, vocab: Vocab, maxLength: number): void {
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(unigramTokenizerJson(vocab)));
  const special = {
    pad_token: SPECIAL_TOKENS[PAD_ID],
    unk_token: SPECIAL_TOKENS[UNK_ID],
    cls_token: SPECIAL_TOKENS[CLS_ID],
  };
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify(
      {
        tokenizer_class: 'PreTrainedTokenizerFast',
        model_max_length: maxLength,
        clean_up_tokenization_spaces: false,
        ...special,
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify(special, null, 2) + '\n');
}
