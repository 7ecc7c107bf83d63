CREATE TABLE `fair_pairs` (
	`fair_id` text NOT NULL,
	`a` text NOT NULL,
	`b` text NOT NULL,
	`score` real,
	`reasons` text NOT NULL,
	`listings` text,
	`origin` text NOT NULL,
	`decision` text NOT NULL,
	`pref_a` text,
	`pref_b` text,
	`cancelled` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`fair_id`, `a`, `b`),
	FOREIGN KEY (`fair_id`) REFERENCES `fairs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `fair_participants` (
	`id` text PRIMARY KEY NOT NULL,
	`fair_id` text NOT NULL,
	`organisation_id` text NOT NULL,
	`listing_ids` text,
	`available` text NOT NULL,
	`max_meetings` integer NOT NULL,
	`fixed_table` integer,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`fair_id`) REFERENCES `fairs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fair_participants_org` ON `fair_participants` (`fair_id`,`organisation_id`);--> statement-breakpoint
CREATE TABLE `fair_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`fair_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`base_run_id` integer,
	`instance` text NOT NULL,
	`participant_ids` text NOT NULL,
	`candidate_pairs` text NOT NULL,
	`options` text NOT NULL,
	`result` text,
	`error` text,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	`published_at` integer,
	FOREIGN KEY (`fair_id`) REFERENCES `fairs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `fairs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`slot_minutes` integer NOT NULL,
	`sessions` text NOT NULL,
	`tables` integer NOT NULL,
	`table_labels` text,
	`published_run_id` integer,
	`created_at` integer NOT NULL
);
