package dev.schedulerd.api.store;

/**
 * Tells listeners when a store may have changed, so that a scheduler syncs at once instead of at
 * its polling interval: a {@link TaskStore} capability ({@link TaskStore#changeNotifier()}).
 *
 * <p>The store calls a listener from any thread, without holding its locks; a listener must return
 * quickly and may be called when nothing changed. A notifier that hears only this process's writes
 * says so in its store's documentation: the scheduler's polling covers the rest.
 */
public interface ChangeNotifier {

  /** Calls {@code listener} after changes from now on. */
  void addChangeListener(Runnable listener);

  /** Stops calling {@code listener}; does nothing when it was not added. */
  void removeChangeListener(Runnable listener);
}
