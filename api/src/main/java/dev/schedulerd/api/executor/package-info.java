/**
 * The executor SPI: how a task's work is done. Third parties add kinds by putting a jar with a
 * {@code META-INF/services/dev.schedulerd.api.executor.TaskExecutor} entry on the classpath.
 */
@NullMarked
package dev.schedulerd.api.executor;

import org.jspecify.annotations.NullMarked;
