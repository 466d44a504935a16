package io.cslake.job;

import io.cslake.config.CslakeConfig;
import io.cslake.table.Lakehouse;
import io.cslake.table.RunsTable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.spark.sql.SparkSession;

/**
 * What a job runs with: the session, the validated configuration, the lakehouse and the run's id.
 *
 * @param command the command name, recorded in {@code _runs}
 */
public record JobContext(
    SparkSession spark, CslakeConfig config, Lakehouse lakehouse, String runId, String command) {

  private static final DateTimeFormatter RUN_ID =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** A context with a new run id, e.g. {@code 20261123T120501Z-3fa2}. */
  public static JobContext create(SparkSession spark, CslakeConfig config, String command) {
    String runId =
        RUN_ID.format(Instant.now())
            + "-"
            + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
    return new JobContext(spark, config, new Lakehouse(config.lakehouse()), runId, command);
  }

  /**
   * Runs a command's work and records it in {@code _runs}: "success" with {@code message} of the
   * result, or "failed" with the error's message (the error is rethrown).
   */
  <T> T recorded(
      java.util.function.Supplier<T> work, java.util.function.Function<T, String> message) {
    Timestamp started = Timestamp.from(Instant.now());
    try {
      T result = work.get();
      RunsTable.append(
          spark, lakehouse, List.of(commandEntry(started, "success", message.apply(result))));
      return result;
    } catch (RuntimeException e) {
      RunsTable.append(spark, lakehouse, List.of(commandEntry(started, "failed", e.getMessage())));
      throw e;
    }
  }

  /** The {@code _runs} row of the command itself (source null), ending now. */
  RunsTable.Entry commandEntry(Timestamp started, String status, String message) {
    return new RunsTable.Entry(
        runId, command, null, null, started, Timestamp.from(Instant.now()), status, message);
  }
}
