package dev.schedulerd.api.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one store and the guarded call of each: a {@link ChangeNotifier} a store hands
 * out, calling {@link #changed()} after its writes (or when it hears of other processes' writes).
 */
public final class ChangeListeners implements ChangeNotifier {
  private static final Logger log = LoggerFactory.getLogger(ChangeListeners.class);

  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  @Override
  public void addChangeListener(Runnable listener) {
    listeners.add(listener);
  }

  @Override
  public void removeChangeListener(Runnable listener) {
    listeners.remove(listener);
  }

  /** Calls every listener; one that throws is logged and stays registered. Never throws. */
  public void changed() {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("A store change listener failed; it stays registered", e);
      }
    }
  }
}
