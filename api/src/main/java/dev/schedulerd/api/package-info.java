/**
 * The task model of schedulerd: immutable records and sealed types that every module shares.
 *
 * <p>Everything here is a value: thread-safe, validated on construction, and free of behaviour that
 * needs a clock or a store.
 */
@NullMarked
package dev.schedulerd.api;

import org.jspecify.annotations.NullMarked;
