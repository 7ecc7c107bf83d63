-- Lexical retrieval: segmented text of every listing (jieba words + CJK bigrams, space
-- separated) plus the key terms used by ranking (`terms`, not searched), kept in step with listing writes by the repository, ranked with FTS5's bm25.
CREATE VIRTUAL TABLE `listings_fts` USING fts5(
  `side`,
  `title`,
  `body`,
  `listing_id` UNINDEXED,
  `terms` UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 0'
);
