/**
 * The store SPI: where tasks, their states and their run records live. Third parties add stores by
 * putting a jar with a {@code META-INF/services/dev.schedulerd.api.store.TaskStoreProvider} entry
 * on the classpath.
 */
@NullMarked
package dev.schedulerd.api.store;

import org.jspecify.annotations.NullMarked;
