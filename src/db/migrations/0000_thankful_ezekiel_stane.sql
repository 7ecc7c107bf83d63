CREATE TABLE `embeddings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`listing_id` text NOT NULL,
	`side` text NOT NULL,
	`model_id` text NOT NULL,
	`dimension` integer NOT NULL,
	`content_hash` text NOT NULL,
	`vector` blob NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`listing_id`) REFERENCES `listings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `embeddings_listing_model` ON `embeddings` (`listing_id`,`model_id`);--> statement-breakpoint
CREATE INDEX `embeddings_model_side_id` ON `embeddings` (`model_id`,`side`,`id`);--> statement-breakpoint
CREATE TABLE `listings` (
	`id` text PRIMARY KEY NOT NULL,
	`side` text NOT NULL,
	`organisation_id` text,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`keywords` text NOT NULL,
	`industry` text,
	`region_code` text,
	`maturity` text,
	`cooperation_modes` text NOT NULL,
	`price_min` real,
	`price_max` real,
	`ip_type` text,
	`confidentiality` text NOT NULL,
	`status` text NOT NULL,
	`source` text,
	`external_id` text,
	`content_hash` text NOT NULL,
	`embedding_status` text NOT NULL,
	`embedding_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`organisation_id`) REFERENCES `organisations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `listings_side_source_external_id` ON `listings` (`side`,`source`,`external_id`);--> statement-breakpoint
CREATE INDEX `listings_side_id` ON `listings` (`side`,`id`);--> statement-breakpoint
CREATE INDEX `listings_embedding_status` ON `listings` (`embedding_status`);--> statement-breakpoint
CREATE TABLE `organisations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`region_code` text,
	`created_at` integer NOT NULL
);
