-- Lexical retrieval: segmented text of every listing (jieba words + CJK bigrams, space
-- separated) in FTS5, ranked with bm25. `listing_lexical` maps a listing to its FTS rowid
-- (FTS5 can only find rows fast by rowid) and keeps the key terms ranking and reasons quote.
-- The repository keeps both in step with listing writes, in the same transactions.
CREATE TABLE `listing_lexical` (
  `id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  `listing_id` text NOT NULL UNIQUE REFERENCES `listings`(`id`) ON DELETE CASCADE,
  `terms` text NOT NULL
);
--> statement-breakpoint
CREATE VIRTUAL TABLE `listings_fts` USING fts5(
  `side`,
  `title`,
  `body`,
  tokenize = 'unicode61 remove_diacritics 0'
);
