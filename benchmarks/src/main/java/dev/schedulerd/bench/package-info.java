/**
 * The benchmark harness: workloads run on demand ({@code benchmarks/run}), never as tests. Each
 * prints its figures as a table on stdout; progress goes to stderr.
 */
@NullMarked
package dev.schedulerd.bench;

import org.jspecify.annotations.NullMarked;
