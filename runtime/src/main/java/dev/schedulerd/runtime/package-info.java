/**
 * The scheduler: the dispatch queue, the ticker that waits exactly until the next due instant, runs
 * on virtual threads under concurrency limits, retries with backoff, timeouts, leases, and the
 * lifecycle. Entry point: {@link dev.schedulerd.runtime.Scheduler#builder()}.
 */
@NullMarked
package dev.schedulerd.runtime;

import org.jspecify.annotations.NullMarked;
