/**
 * Test support for schedulerd and its plug-ins: contract tests that every {@link
 * dev.schedulerd.api.store.TaskStore} and {@link dev.schedulerd.api.executor.TaskExecutor} extends,
 * and a {@link dev.schedulerd.testkit.ManualClock} to drive time by hand.
 */
@NullMarked
package dev.schedulerd.testkit;

import org.jspecify.annotations.NullMarked;
