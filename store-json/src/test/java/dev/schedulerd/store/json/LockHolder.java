package dev.schedulerd.store.json;

import java.nio.file.Path;
import java.time.InstantSource;
import java.time.ZoneId;

/** Child process of {@link JsonTaskStoreTest}: holds a JSON store open until stdin closes. */
public final class LockHolder {
  private LockHolder() {}

  public static void main(String[] args) throws Exception {
    try (JsonTaskStore store =
        JsonTaskStore.open(Path.of(args[0]), ZoneId.of("UTC"), InstantSource.system())) {
      System.out.println("locked");
      System.out.flush();
      System.in.read();
    }
  }
}
