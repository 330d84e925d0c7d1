package dev.schedulerd.store.json;

import dev.schedulerd.api.store.StoreSettings;
import dev.schedulerd.api.store.TaskStore;
import dev.schedulerd.api.store.TaskStoreProvider;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.InstantSource;
import java.time.ZoneId;

/**
 * {@code --store json[:PATH]}: the seed's task file, for one process; an empty path means {@code
 * ~/.memory/scheduler_tasks.json}. Option {@code zone} (from the config file) is the zone of cron
 * schedules that name none.
 */
public final class JsonTaskStoreProvider implements TaskStoreProvider {
  @Override
  public String name() {
    return "json";
  }

  @Override
  public String description() {
    return "the seed's JSON task file (default ~/.memory/scheduler_tasks.json), one process at a"
        + " time";
  }

  @Override
  public TaskStore open(StoreSettings settings) {
    String location = settings.location().strip();
    Path file = location.isEmpty() ? SeedFiles.defaultFile() : expandHome(location);
    String zone = settings.options().getOrDefault("zone", "UTC");
    ZoneId defaultZone;
    try {
      defaultZone = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "json store option zone='" + zone + "' is not an IANA zone", e);
    }
    return JsonTaskStore.open(file, defaultZone, InstantSource.system());
  }

  private static Path expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return SeedFiles.home().resolve(path.substring(Math.min(2, path.length())));
    }
    return Path.of(path);
  }
}
