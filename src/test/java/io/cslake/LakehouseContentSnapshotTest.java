package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A snapshot taken again re-reads the tables written since, and only those. */
class LakehouseContentSnapshotTest extends SparkTestBase {

  private static void write(Path table, String mode, long... ids) {
    spark
        .createDataset(
            java.util.Arrays.stream(ids).boxed().toList(), org.apache.spark.sql.Encoders.LONG())
        .toDF("id")
        .write()
        .format("delta")
        .mode(mode)
        .save(table.toString());
  }

  @Test
  void tablesWrittenSinceAreReadAgainTheOthersAreKept() {
    Path lake = newDir("content-snapshot");
    write(lake.resolve("gold/a"), "overwrite", 1, 2);
    write(lake.resolve("gold/b"), "overwrite", 3);
    Map<String, List<String>> before = LakehouseContent.of(spark, lake, Set.of());
    Map<String, Long> versions = LakehouseContent.versions(lake);
    assertThat(versions).containsOnlyKeys("gold/a", "gold/b").containsEntry("gold/a", 0L);

    write(lake.resolve("gold/a"), "append", 4);
    write(lake.resolve("gold/b"), "overwrite", 3);
    write(lake.resolve("gold/c"), "overwrite", 5);
    Map<String, Long> now = LakehouseContent.versions(lake);
    assertThat(now).containsEntry("gold/a", 1L).containsEntry("gold/b", 1L);

    // A decoy in place of a table still at its version shows it is taken from the earlier map.
    Map<String, List<String>> earlier = new java.util.TreeMap<>(before);
    earlier.put("gold/kept", List.of("decoy"));
    Map<String, Long> earlierVersions = new java.util.TreeMap<>(versions);
    write(lake.resolve("gold/kept"), "overwrite", 9);
    earlierVersions.put("gold/kept", 0L);

    Map<String, List<String>> after =
        LakehouseContent.of(spark, lake, Set.of(), earlier, earlierVersions);
    assertThat(after.get("gold/a")).containsExactly("{\"id\":1}", "{\"id\":2}", "{\"id\":4}");
    assertThat(after.get("gold/b")).containsExactly("{\"id\":3}");
    assertThat(after.get("gold/c")).containsExactly("{\"id\":5}");
    assertThat(after.get("gold/kept")).containsExactly("decoy");
    assertThat(LakehouseContent.of(spark, lake, Set.of()).get("gold/kept"))
        .containsExactly("{\"id\":9}");
  }
}
