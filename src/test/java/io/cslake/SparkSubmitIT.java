package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The thin jar runs under spark-submit semantics without a Spark distribution (STACK.md pitfall 6):
 * a child JVM runs {@code org.apache.spark.deploy.SparkSubmit} with only what a cluster brings on
 * its classpath (the runtime classpath minus every library the thin jar already shades), and the
 * jar as the application. Needs the packaged jar: runs in failsafe, after {@code package}.
 */
class SparkSubmitIT {
  private static final long TIMEOUT_MINUTES = 5;

  private static Path jar;
  private static List<String> opens;
  private static String clusterClasspath;

  @BeforeAll
  static void locateTheJarAndTheClasspath() throws IOException {
    jar = Path.of(required("cslake.jar"));
    assertThat(jar).as("the thin jar (run mvn package first)").isRegularFile();
    opens = Arrays.asList(required("cslake.spark.opens").trim().split("\\s+"));
    List<String> runtime =
        Arrays.asList(
            Files.readString(Path.of(required("cslake.runtime.classpath")))
                .trim()
                .split(File.pathSeparator));
    Set<String> shaded = classesOf(jar);
    clusterClasspath =
        runtime.stream()
            .filter(entry -> !isShadedInto(entry, shaded))
            .collect(Collectors.joining(File.pathSeparator));
    // The thin jar must bring its own libraries and no Spark.
    assertThat(shaded).contains("picocli/CommandLine.class", "com/typesafe/config/Config.class");
    assertThat(shaded).doesNotContain("org/apache/spark/SparkContext.class");
    assertThat(clusterClasspath)
        .contains("spark-core_2.12")
        .doesNotContain("picocli")
        .doesNotContain(File.separator + "config-1.");
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property " + property + " (set by failsafe)").isNotBlank();
    return value;
  }

  private static Set<String> classesOf(Path jarFile) throws IOException {
    try (JarFile file = new JarFile(jarFile.toFile())) {
      return file.stream()
          .map(JarEntry::getName)
          .filter(name -> name.endsWith(".class"))
          .collect(Collectors.toSet());
    }
  }

  /** Whether a classpath jar's classes are already inside the thin jar (so a cluster lacks it). */
  private static boolean isShadedInto(String entry, Set<String> shaded) {
    File file = new File(entry);
    if (!file.isFile()) {
      return false;
    }
    try (JarFile other = new JarFile(file)) {
      Enumeration<JarEntry> entries = other.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        if (name.endsWith(".class")
            && !name.startsWith("META-INF/")
            && !name.endsWith("module-info.class")) {
          return shaded.contains(name);
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the child printed (stdout and stderr together) and returned. */
  record Submitted(int exitCode, String output) {}

  /** Runs {@code spark-submit --class io.cslake.cli.Main <thin jar> args} in a child JVM. */
  private static Submitted submit(Path workDir, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(opens);
    command.add("-Xmx1g");
    command.add("-cp");
    command.add(clusterClasspath);
    command.add("org.apache.spark.deploy.SparkSubmit");
    command.addAll(
        List.of(
            "--master",
            "local[2]",
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--class",
            "io.cslake.cli.Main",
            jar.toString()));
    command.addAll(Arrays.asList(args));
    Path log = workDir.resolve("spark-submit.log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().remove("SPARK_HOME");
    Process process = builder.start();
    try {
      boolean finished = process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(finished)
          .as("spark-submit finished within " + TIMEOUT_MINUTES + " minutes; output:\n" + output)
          .isTrue();
      return new Submitted(process.exitValue(), output);
    } finally {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void thinJarPrintsItsHelpUnderSparkSubmit() throws Exception {
    Path dir = SparkTestBase.newDir("spark-submit-help");

    Submitted help = submit(dir, "--help");

    assertThat(help.exitCode()).as(help.output()).isZero();
    assertThat(help.output()).contains("Usage: cslake");
    for (String command :
        List.of(
            "generate", "ingest", "metrics", "features", "train", "score", "clv", "run", "demo")) {
      assertThat(help.output()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
    }
    Submitted version = submit(dir, "--version");
    assertThat(version.exitCode()).as(version.output()).isZero();
    assertThat(version.output()).contains("cslake ");
  }

  @Test
  void thinJarIngestsUnderSparkSubmit() throws Exception {
    Path dir = SparkTestBase.newDir("spark-submit-ingest");
    Path accounts = Files.createDirectories(dir.resolve("input/accounts"));
    Files.writeString(
        accounts.resolve("accounts.csv"),
        """
        account_id,created_at,segment,name
        a1,2024-01-05 10:00:00,smb,Acme
        a2,2024-02-10 09:30:00,enterprise,Globex
        """);
    Path subscriptions = Files.createDirectories(dir.resolve("input/subscriptions"));
    Files.writeString(
        subscriptions.resolve("subscriptions.csv"),
        """
        account_id,start_date,end_date,mrr,plan,product_id,subscription_id,currency
        a1,2024-01-05,,100.00,pro,core,s1,USD
        a2,2024-02-10,2024-08-10,2500.00,enterprise,core,s2,USD
        """);
    Path lakehouse = dir.resolve("lakehouse");
    Path conf = dir.resolve("submit.conf");
    Files.writeString(
        conf,
        """
        cslake {
          lakehouse = "%s"
          sources {
            accounts { path = "%s", format = csv, options { header = "true" } }
            subscriptions { path = "%s", format = csv, options { header = "true" } }
          }
        }
        """
            .formatted(lakehouse, accounts, subscriptions));

    Submitted ingest = submit(dir, "ingest", "--conf", conf.toString());

    assertThat(ingest.exitCode()).as(ingest.output()).isZero();
    assertThat(lakehouse.resolve("silver/accounts/_delta_log")).isDirectory();
    assertThat(lakehouse.resolve("_runs/_delta_log")).isDirectory();
  }
}
