/** The executors that ship with schedulerd, registered through {@link java.util.ServiceLoader}. */
@NullMarked
package dev.schedulerd.executors;

import org.jspecify.annotations.NullMarked;
