/**
 * The seed's task file ({@code ~/.memory/scheduler_tasks.json}) as a store for one process, and
 * import and export in its format. See {@link dev.schedulerd.store.json.JsonTaskStore} and {@link
 * dev.schedulerd.store.json.SeedFiles}.
 */
@NullMarked
package dev.schedulerd.store.json;

import org.jspecify.annotations.NullMarked;
