package io.cslake;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The one test base: a single {@code local[2]} session with Delta for the whole JVM, stopped at
 * exit, with few shuffle partitions and the UI off. Tests get fresh folders under {@code target/}.
 */
public abstract class SparkTestBase {
  private static final AtomicInteger DIRS = new AtomicInteger();
  private static SparkSession shared;

  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = session();
  }

  /**
   * Frees what a test class cached: the session outlives the class, and one class's cached fixtures
   * would otherwise crowd the next classes' memory.
   */
  @AfterAll
  static void clearCachedData() {
    if (shared != null) {
      shared.catalog().clearCache();
    }
  }

  /** The shared session, created on first use. */
  public static synchronized SparkSession session() {
    if (shared == null) {
      shared =
          SparkSession.builder()
              .master("local[2]")
              .appName("cslake-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "2")
              .config("spark.default.parallelism", "2")
              .config("spark.driver.host", "127.0.0.1")
              .config("spark.driver.bindAddress", "127.0.0.1")
              .config("spark.sql.session.timeZone", "UTC")
              .config("spark.sql.warehouse.dir", workDir().resolve("warehouse").toString())
              .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
              .config(
                  "spark.sql.catalog.spark_catalog",
                  "org.apache.spark.sql.delta.catalog.DeltaCatalog")
              .config("spark.databricks.delta.snapshotPartitions", "2")
              // Small Tungsten pages: a wide feature plan runs many sorts and aggregates in one
              // task, and the default 64 MB page each starved the 4 GB test heap (tasks spun on
              // "Failed to allocate a page" until the executor heartbeat timed out).
              .config("spark.buffer.pageSize", "2m")
              // Interpreted expressions: on fixtures of a few hundred rows, compiling each query's
              // generated code costs more CPU than it saves (DemoCommandTest and ChurnModelJobTest
              // took 228 s instead of 269 s). The test command still runs generated code end to
              // end: the child JVMs and the cluster of the integration tests, and the demo.
              .config("spark.sql.codegen.wholeStage", "false")
              .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
              .getOrCreate();
      SparkSession session = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
    }
    return shared;
  }

  /** The folder tests may write to: {@code target/test-work}. */
  public static Path workDir() {
    String dir = System.getProperty("cslake.test.dir", "target/test-work");
    try {
      return Files.createDirectories(Path.of(dir).toAbsolutePath());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A new empty folder for one test. */
  public static Path newDir(String name) {
    Path dir =
        workDir()
            .resolve(name + "-" + ProcessHandle.current().pid() + "-" + DIRS.incrementAndGet());
    try {
      if (Files.exists(dir)) {
        deleteRecursively(dir.toFile());
      }
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(File file) {
    File[] children = file.listFiles();
    if (children != null) {
      for (File child : children) {
        deleteRecursively(child);
      }
    }
    file.delete();
  }
}
