/**
 * A store on PostgreSQL, for several schedulerd nodes on several machines. See {@link
 * dev.schedulerd.store.postgres.PostgresTaskStore}.
 */
@NullMarked
package dev.schedulerd.store.postgres;

import org.jspecify.annotations.NullMarked;
