package io.cslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * {@code bin/cslake} run as a user runs it, in a child process: the JVM flags it passes, the
 * default configuration, the exit code, and when it rebuilds. Needs the packaged jar: runs in
 * failsafe.
 */
class LauncherIT {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path LAUNCHER = ROOT.resolve("bin/cslake");
  private static final String JAR = "target/cslake-0.1.0.jar";

  /** What one launcher run printed and returned. */
  record Launched(int exitCode, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private static Launched launch(
      Path launcher, Path workDir, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", launcher.toString()));
    command.addAll(Arrays.asList(args));
    Path out = Files.createTempFile(workDir, "launcher", ".out");
    Path err = Files.createTempFile(workDir, "launcher", ".err");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().remove("CSLAKE_DRIVER_MEMORY");
    builder.environment().remove("CSLAKE_JAVA_OPTS");
    builder.environment().remove("CSLAKE_DRY_RUN");
    builder.environment().putAll(env);
    Process process = builder.start();
    try {
      assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the launcher finished").isTrue();
      return new Launched(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static Launched dryRun(Map<String, String> env, String... args) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("CSLAKE_DRY_RUN", "1");
    Launched launched = launch(LAUNCHER, SparkTestBase.newDir("launcher-dry"), all, args);
    assertThat(launched.exitCode()).as(launched.err()).isZero();
    return launched;
  }

  @Test
  void helpListsEveryCommandFromAnyWorkingDirectory() throws Exception {
    Launched help = launch(LAUNCHER, SparkTestBase.newDir("launcher-help"), Map.of(), "--help");

    assertThat(help.exitCode()).as(help.err()).isZero();
    for (String command : MainTest.COMMANDS) {
      assertThat(help.out()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    assertThat(help.err()).as("no rebuild of a fresh jar").doesNotContain("building");
  }

  @Test
  void exitCodeIsTheJvms() throws Exception {
    Path dir = SparkTestBase.newDir("launcher-exit");

    Launched badKey = launch(LAUNCHER, dir, Map.of(), "ingest", "--set", "cslake.no-such-key=1");
    Launched noSilver = launch(LAUNCHER, dir, Map.of(), "metrics");
    Launched none = launch(LAUNCHER, dir, Map.of());

    assertThat(badKey.exitCode()).as(badKey.err()).isEqualTo(2);
    assertThat(badKey.err()).contains("cslake.no-such-key");
    assertThat(noSilver.exitCode()).as(noSilver.err()).isEqualTo(3);
    assertThat(noSilver.err()).contains("Cannot compute metrics").contains("cslake ingest");
    assertThat(none.exitCode()).isEqualTo(2);
  }

  /** The first {@code hocon} block of the README's section "Mapping your own data". */
  static String readmeMapping() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("## Mapping your own data");
    assertThat(section).as("the README's mapping section").isNotNegative();
    int start = readme.indexOf("```hocon\n", section);
    int end = readme.indexOf("```", start + 1);
    assertThat(start).as("a hocon block in the mapping section").isGreaterThan(section);
    return readme.substring(start + "```hocon\n".length(), end);
  }

  /**
   * The README's walk-through as a new user runs it: their own {@code my.conf} (the README's block,
   * naming no master) over data in their own shape, then {@code bin/cslake ingest --conf my.conf}
   * in their own folder. It runs on local Spark and ingests every event.
   */
  @Test
  void readmeMappingWalkThroughRunsOnLocalSparkWithoutAMaster() throws Exception {
    String mapping = readmeMapping();
    assertThat(mapping).doesNotContain("master");
    Path dir = SparkTestBase.newDir("launcher-readme");
    Files.writeString(dir.resolve("my.conf"), mapping, StandardCharsets.UTF_8);
    SparkSession spark = SparkTestBase.session();
    Path sample = ROOT.resolve("datasets/sample");
    for (String source : List.of("crm/accounts", "billing/subscriptions")) {
      spark
          .read()
          .parquet(sample.resolve(source.substring(source.indexOf('/') + 1)).toString())
          .write()
          .parquet(dir.resolve("data/" + source).toString());
    }
    Dataset<Row> events =
        spark
            .read()
            .parquet(sample.resolve("usage_events").toString())
            .selectExpr(
                "account_id AS tenant_id",
                "user_id",
                "unix_millis(event_time) AS ts",
                "event_type AS kind",
                "feature",
                "duration_sec")
            .limit(5000);
    events.write().parquet(dir.resolve("data/product/events").toString());
    long written = spark.read().parquet(dir.resolve("data/product/events").toString()).count();

    Launched ingest =
        launch(LAUNCHER, dir, Map.of("CSLAKE_DRIVER_MEMORY", "1g"), "ingest", "--conf", "my.conf");

    assertThat(ingest.exitCode()).as(ingest.err()).isZero();
    assertThat(ingest.err()).doesNotContain("Cannot start Spark");
    Row usage =
        spark
            .read()
            .format("delta")
            .load(dir.resolve("lakehouse/_runs").toString())
            .where("source = 'usage_events'")
            .selectExpr("sum(rows_read)", "sum(rows_accepted)")
            .first();
    assertThat(usage.getLong(0)).as("events read").isEqualTo(written);
    long silver =
        spark
            .read()
            .format("delta")
            .load(dir.resolve("lakehouse/silver/usage_events").toString())
            .count();
    assertThat(silver).as("events in silver").isPositive().isEqualTo(usage.getLong(1));

    // The same file as a file:/// URI, read through Hadoop's FileSystem: the re-run changes
    // nothing.
    String uri = dir.resolve("my.conf").toAbsolutePath().toUri().toString();
    assertThat(uri).startsWith("file:///");
    Launched again =
        launch(LAUNCHER, dir, Map.of("CSLAKE_DRIVER_MEMORY", "1g"), "ingest", "--conf", uri);
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(
            spark
                .read()
                .format("delta")
                .load(dir.resolve("lakehouse/silver/usage_events").toString())
                .count())
        .isEqualTo(silver);
  }

  @Test
  void javaCommandCarriesSparksFlagsLoopbackAndTheLocalDefault() throws Exception {
    List<String> cmd = dryRun(Map.of(), "ingest", "--set", "lakehouse=/tmp/lh").lines();

    List<String> pomOpens =
        Arrays.asList(System.getProperty("cslake.spark.opens").trim().split("\\s+"));
    assertThat(pomOpens).contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    assertThat(cmd).containsAll(pomOpens);
    assertThat(cmd)
        .contains(
            "-Xmx4g",
            "-Duser.timezone=UTC",
            "-Dlog4j.configurationFile=" + ROOT.resolve("conf/log4j2.properties"),
            "-Dspark.driver.host=127.0.0.1",
            "-Dspark.driver.bindAddress=127.0.0.1",
            "-Dcslake.launcher.master=local[*]");
    int cp = cmd.indexOf("-cp");
    String runtime =
        Files.readString(ROOT.resolve("target/runtime-classpath.txt"), StandardCharsets.UTF_8)
            .trim();
    assertThat(cmd.get(cp + 1)).isEqualTo(ROOT.resolve(JAR) + ":" + runtime);
    assertThat(cmd.subList(cp + 2, cmd.size()))
        .containsExactly(
            "io.cslake.cli.Main",
            "ingest",
            "--conf",
            ROOT.resolve("conf/local.conf").toString(),
            "--set",
            "lakehouse=/tmp/lh");
  }

  @Test
  void givenConfReplacesTheLocalDefault() throws Exception {
    assertThat(dryRun(Map.of(), "ingest", "--conf", "mine.conf").lines())
        .endsWith("io.cslake.cli.Main", "ingest", "--conf", "mine.conf");
    assertThat(dryRun(Map.of(), "ingest", "--conf=mine.conf").lines())
        .endsWith("io.cslake.cli.Main", "ingest", "--conf=mine.conf");
    assertThat(dryRun(Map.of(), "--help").lines()).endsWith("io.cslake.cli.Main", "--help");
  }

  @Test
  void memoryAndDriverHostCanBeOverridden() throws Exception {
    List<String> cmd =
        dryRun(
                Map.of(
                    "CSLAKE_DRIVER_MEMORY", "1g",
                    "CSLAKE_JAVA_OPTS", "-Dspark.driver.host=10.0.0.7 -Dfoo=bar"),
                "ingest")
            .lines();

    assertThat(cmd).contains("-Xmx1g", "-Dspark.driver.host=10.0.0.7", "-Dfoo=bar");
    assertThat(cmd).doesNotContain("-Xmx4g", "-Dspark.driver.host=127.0.0.1");
    assertThat(cmd).contains("-Dspark.driver.bindAddress=127.0.0.1");
  }

  /**
   * A copy of the launcher in a scratch project whose {@code mvn} only records its calls: the
   * launcher builds when the jar or the classpath file is missing or a source is newer, else not.
   */
  @Test
  void rebuildsOnlyWhenTheJarIsMissingOrStale() throws Exception {
    Path project = SparkTestBase.newDir("launcher-stale");
    Files.createDirectories(project.resolve("bin"));
    Files.createDirectories(project.resolve("conf"));
    Files.createDirectories(project.resolve("target"));
    Files.createDirectories(project.resolve("src/main/java"));
    Path launcher = Files.copy(LAUNCHER, project.resolve("bin/cslake"));
    Files.copy(ROOT.resolve("pom.xml"), project.resolve("pom.xml"));
    Files.copy(ROOT.resolve("conf/cslake.conf"), project.resolve("conf/cslake.conf"));
    Path source = Files.writeString(project.resolve("src/main/java/A.java"), "class A {}");
    Path jar = project.resolve(JAR);
    Path classpath = project.resolve("target/runtime-classpath.txt");
    Path calls = project.resolve("mvn-calls.txt");
    Path fakeBin = Files.createDirectories(project.resolve("fake-bin"));
    Path mvn = fakeBin.resolve("mvn");
    Files.writeString(
        mvn,
        """
        #!/usr/bin/env bash
        echo "$PWD $*" >> '%s'
        cp '%s' '%s'
        cp '%s' '%s'
        """
            .formatted(
                calls,
                ROOT.resolve(JAR),
                jar,
                ROOT.resolve("target/runtime-classpath.txt"),
                classpath));
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = Map.of("PATH", fakeBin + ":" + System.getenv("PATH"));
    Path elsewhere = SparkTestBase.newDir("launcher-stale-cwd");

    Launched missing = launch(launcher, elsewhere, env, "--version");
    assertThat(missing.exitCode()).as(missing.err()).isZero();
    assertThat(missing.err()).contains("cslake: building target/cslake-0.1.0.jar");
    assertThat(missing.out()).startsWith("cslake ");
    assertThat(Files.readAllLines(calls)).containsExactly(project + " -B -q -DskipTests package");

    Instant past = Instant.now().minusSeconds(3600);
    for (Path p :
        List.of(source, project.resolve("pom.xml"), project.resolve("conf/cslake.conf"))) {
      Files.setLastModifiedTime(p, FileTime.from(past));
    }
    Launched fresh = launch(launcher, elsewhere, env, "--version");
    assertThat(fresh.exitCode()).as(fresh.err()).isZero();
    assertThat(fresh.err()).doesNotContain("building");
    assertThat(Files.readAllLines(calls)).hasSize(1);

    Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(60)));
    Launched stale = launch(launcher, elsewhere, env, "--version");
    assertThat(stale.exitCode()).as(stale.err()).isZero();
    assertThat(stale.err()).contains("building");
    assertThat(Files.readAllLines(calls)).hasSize(2);

    Files.setLastModifiedTime(source, FileTime.from(past));
    Files.delete(classpath);
    launch(launcher, elsewhere, env, "--version");
    assertThat(Files.readAllLines(calls)).hasSize(3);
  }

  @Test
  void launcherReadsTheSameOpensAsTheBuild() throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"), StandardCharsets.UTF_8);
    assertThat(pom)
        .contains("<spark.opens>" + System.getProperty("cslake.spark.opens") + "</spark.opens>");
    assertThat(Files.readString(LAUNCHER, StandardCharsets.UTF_8))
        .contains("<spark.opens>")
        .doesNotContain("--add-opens=java.base");
  }

  @Test
  void ciRunsExactlyTheTestCommand() throws IOException {
    List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));

    assertThat(ci.get(0)).isEqualTo("#!/usr/bin/env bash");
    assertThat(ci).contains("set -euo pipefail").endsWith("exec bin/test");
    assertThat(Files.isExecutable(ROOT.resolve(".ci/run"))).isTrue();
    assertThat(Files.isExecutable(ROOT.resolve("bin/test"))).isTrue();
    assertThat(Files.readString(ROOT.resolve("bin/test"))).contains("mvn -B verify");
  }
}
