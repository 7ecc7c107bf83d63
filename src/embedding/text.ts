import { createHash } from 'node:crypto';

/** The parts of a listing that decide its vector. */
export interface EmbeddableListing {
  title: string;
  description: string;
  keywords: string[];
}

/** The text a listing is embedded as: title first (most informative), then keywords, then body. */
export function passageText(l: EmbeddableListing): string {
  const kw = l.keywords.length > 0 ? `\n${l.keywords.join('，')}` : '';
  return `${l.title}${kw}\n${l.description}`;
}

/** Hash of the embedded text: equal hashes mean the stored vector is still right. */
export function contentHash(l: EmbeddableListing): string {
  return createHash('sha256').update(passageText(l)).digest('hex');
}
