package dev.schedulerd.runtime;

import dev.schedulerd.api.StoredTask;

/**
 * What {@link Scheduler#addOrGet} did.
 *
 * @param task the task as stored
 * @param created whether this call added it (false: the same task existed already)
 */
public record Added(StoredTask task, boolean created) {}
