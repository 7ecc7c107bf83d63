/**
 * Text normalisation and pre-tokenisation shared by training and the exported tokenizer.json.
 * Training must see exactly the pieces transformers.js will produce at inference time, so both
 * sides are defined here once: NFKC + lowercase, then runs of Han characters, runs of ASCII
 * letters/digits, and runs of Greek letters; everything else (punctuation, spaces, symbols,
 * other scripts) is dropped.
 */

/**
 * Pre-tokenizer regex (HF `Split` with `invert: true` keeps the matches). Greek letters are kept
 * because science text writes α-/β-/γ- prefixes; NFKC has already turned full-width forms into ASCII.
 */
export const PRE_TOKEN_PATTERN = '\\p{Script=Han}+|[a-z0-9]+|[α-ω]+';

const preTokenRe = new RegExp(PRE_TOKEN_PATTERN, 'gu');
const hanRe = /^\p{Script=Han}/u;

/** The normaliser of the exported tokenizer (NFKC then lowercase), as a plain function. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Splits normalised text into pre-tokens, as the exported tokenizer's pre-tokenizer does. */
export function preTokenize(normalized: string): string[] {
  return normalized.match(preTokenRe) ?? [];
}

/** Whether a pre-token (or token) is Chinese (starts with a Han character). */
export function isHan(piece: string): boolean {
  return hanRe.test(piece);
}
