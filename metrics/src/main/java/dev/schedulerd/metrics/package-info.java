/**
 * The scheduler's meters, fed by its listener events, and a Prometheus endpoint. See {@link
 * dev.schedulerd.metrics.SchedulerMetrics}.
 */
@NullMarked
package dev.schedulerd.metrics;

import org.jspecify.annotations.NullMarked;
