/** A {@link dev.schedulerd.api.store.TaskStore} in memory, for tests and ephemeral use. */
@NullMarked
package dev.schedulerd.store.memory;

import org.jspecify.annotations.NullMarked;
