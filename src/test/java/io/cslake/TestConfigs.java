package io.cslake;

import io.cslake.config.ConfigLoader;
import io.cslake.config.CslakeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Configurations for tests: the packaged defaults plus {@code --set} pairs, small Spark settings.
 */
public final class TestConfigs {
  private TestConfigs() {}

  /** A configuration with its lakehouse at {@code lakehouse} and the given {@code --set} pairs. */
  public static CslakeConfig of(Path lakehouse, String... sets) {
    List<String> all = new ArrayList<>();
    all.add("cslake.lakehouse=" + lakehouse.toAbsolutePath());
    all.add("cslake.spark.master=local[2]");
    all.add("cslake.spark.shuffle-partitions=2");
    all.addAll(List.of(sets));
    return ConfigLoader.load(List.of(), all, null);
  }
}
