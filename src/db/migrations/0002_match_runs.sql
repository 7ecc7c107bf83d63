CREATE TABLE `match_run_chunks` (
	`run_id` integer NOT NULL,
	`chunk` integer NOT NULL,
	`listing_ids` text NOT NULL,
	`status` text NOT NULL,
	`pair_count` integer DEFAULT 0 NOT NULL,
	`done_at` integer,
	PRIMARY KEY(`run_id`, `chunk`),
	FOREIGN KEY (`run_id`) REFERENCES `match_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `match_run_pairs` (
	`run_id` integer NOT NULL,
	`query_id` text NOT NULL,
	`rank` integer NOT NULL,
	`candidate_id` text NOT NULL,
	`score` real NOT NULL,
	`reasons` text NOT NULL,
	PRIMARY KEY(`run_id`, `query_id`, `rank`),
	FOREIGN KEY (`run_id`) REFERENCES `match_runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `match_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text NOT NULL,
	`side` text NOT NULL,
	`model_id` text NOT NULL,
	`params` text NOT NULL,
	`weights` text NOT NULL,
	`total_chunks` integer NOT NULL,
	`done_chunks` integer DEFAULT 0 NOT NULL,
	`total_listings` integer NOT NULL,
	`done_listings` integer DEFAULT 0 NOT NULL,
	`pair_count` integer DEFAULT 0 NOT NULL,
	`recall_hits` integer DEFAULT 0 NOT NULL,
	`recall_total` integer DEFAULT 0 NOT NULL,
	`work_ms` integer DEFAULT 0 NOT NULL,
	`stats` text,
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
