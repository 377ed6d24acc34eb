/**
 * The online state in Redis: the client ({@link dev.tandem.online.RedisState}), the key layout,
 * ingestion with its durable event log, the fetcher that evaluates request rows with the core, and
 * popular-item counts. Used by the server ({@code dev.tandem.online.server}) and by the CLI's
 * materialize, stream and check-consistency commands.
 */
package dev.tandem.online;
