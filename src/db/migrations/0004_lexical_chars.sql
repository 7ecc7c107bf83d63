-- Character-level lexical statistics: the Chinese characters of every listing (space separated,
-- function characters dropped) in a second FTS5 table, rowid = `listing_lexical`.`id`. It is not
-- searched; its vocabulary gives per-character document frequencies for the character BM25 that
-- pair scoring adds to the word score. Existing rows get theirs when the lexical index sees the
-- two tables disagree in size and rebuilds at start.
CREATE VIRTUAL TABLE `listings_chars` USING fts5(
  `chars`,
  tokenize = 'unicode61 remove_diacritics 0'
);
