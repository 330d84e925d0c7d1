/**
 * The default store: tasks, states and runs in one SQLite file in WAL mode, which any number of
 * schedulerd processes on one machine may open at once. See {@link
 * dev.schedulerd.store.sqlite.SqliteTaskStore}.
 */
@NullMarked
package dev.schedulerd.store.sqlite;

import org.jspecify.annotations.NullMarked;
