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

/**
 * The packaged thin jar and what a cluster brings beside it (STACK.md pitfall 6): the runtime
 * classpath minus every library the jar shades. Runs the jar under spark-submit semantics in a
 * child JVM ({@code org.apache.spark.deploy.SparkSubmit}, no Spark distribution). For the
 * integration tests (failsafe sets the system properties, after {@code package}).
 */
public final class ThinJar {
  public final Path jar;
  public final List<String> opens;

  /** The runtime classpath without the libraries shaded into the jar: what Spark itself needs. */
  public final List<String> clusterClasspath;

  private ThinJar(Path jar, List<String> opens, List<String> clusterClasspath) {
    this.jar = jar;
    this.opens = opens;
    this.clusterClasspath = clusterClasspath;
  }

  /** Locates the jar and the classpath from failsafe's system properties. */
  public static ThinJar locate() throws IOException {
    Path jar = Path.of(required("cslake.jar"));
    assertThat(jar).as("the thin jar (run mvn package first)").isRegularFile();
    List<String> opens = Arrays.asList(required("cslake.spark.opens").trim().split("\\s+"));
    List<String> runtime =
        Arrays.asList(
            Files.readString(Path.of(required("cslake.runtime.classpath")))
                .trim()
                .split(File.pathSeparator));
    Set<String> shaded = classesOf(jar);
    List<String> cluster = runtime.stream().filter(entry -> !isShadedInto(entry, shaded)).toList();
    return new ThinJar(jar, opens, cluster);
  }

  /** The set of class files inside the thin jar. */
  public Set<String> classes() throws IOException {
    return classesOf(jar);
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
  public record Submitted(int exitCode, String output) {}

  /**
   * Starts {@code spark-submit --master <master> --class io.cslake.cli.Main <thin jar> args} in a
   * child JVM (client mode: the driver is the child), its output going to {@code log}.
   */
  public Process start(Path workDir, Path log, String master, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(opens);
    command.add("-Xmx1g");
    // cslake's own log configuration (Spark at WARN, cslake at INFO), as bin/cslake uses.
    command.add(
        "-Dlog4j2.configurationFile=" + Path.of("conf", "log4j2.properties").toAbsolutePath());
    command.add("-cp");
    command.add(String.join(File.pathSeparator, clusterClasspath));
    command.add("org.apache.spark.deploy.SparkSubmit");
    command.addAll(
        List.of(
            "--master",
            master,
            "--conf",
            "spark.driver.host=127.0.0.1",
            "--conf",
            "spark.driver.bindAddress=127.0.0.1",
            "--conf",
            "spark.ui.enabled=false",
            "--conf",
            "spark.sql.shuffle.partitions=2",
            "--conf",
            "spark.default.parallelism=2",
            "--conf",
            "spark.executor.extraJavaOptions=" + String.join(" ", opens),
            "--conf",
            "spark.executor.memory=1g",
            "--conf",
            "spark.buffer.pageSize=2m",
            "--class",
            "io.cslake.cli.Main",
            jar.toString()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().remove("SPARK_HOME");
    return builder.start();
  }

  /** Runs the jar to completion (at most {@code timeoutMinutes}) and returns what it printed. */
  public Submitted submit(Path workDir, String master, long timeoutMinutes, String... args)
      throws Exception {
    Path log = Files.createTempFile(workDir, "spark-submit-", ".log");
    Process process = start(workDir, log, master, args);
    try {
      boolean finished = process.waitFor(timeoutMinutes, TimeUnit.MINUTES);
      String output = Files.readString(log, StandardCharsets.UTF_8);
      assertThat(finished)
          .as("spark-submit finished within " + timeoutMinutes + " minutes; output:\n" + output)
          .isTrue();
      return new Submitted(process.exitValue(), output);
    } finally {
      stop(process);
    }
  }

  /** Kills a child and everything it started (SIGKILL), by process id, and waits for them. */
  public static void stop(Process process) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    for (ProcessHandle handle : all) {
      handle.destroyForcibly();
    }
    for (ProcessHandle handle : all) {
      try {
        handle.onExit().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // reported by the caller's assertions on what is still alive
      }
    }
  }
}
