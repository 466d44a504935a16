package io.cslake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone master and workers on loopback, started from the Maven-resolved Spark jars
 * (STACK.md pitfall 7: a {@code SPARK_HOME} whose {@code jars/} links to them). Everything it
 * starts, the executors the workers spawned included, is stopped by process id on {@link #close}.
 */
public final class StandaloneCluster implements AutoCloseable {
  private final List<Process> daemons = new ArrayList<>();
  private final Set<ProcessHandle> started = new HashSet<>();
  private final int port;
  private final int webPort;

  private StandaloneCluster(int port, int webPort) {
    this.port = port;
    this.webPort = webPort;
  }

  /** The master URL to submit to. */
  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /** Every process it started and that is still alive (daemons and their descendants). */
  public List<ProcessHandle> alive() {
    List<ProcessHandle> alive = new ArrayList<>();
    for (ProcessHandle handle : started) {
      if (handle.isAlive()) {
        alive.add(handle);
      }
    }
    return alive;
  }

  /**
   * Starts a master and {@code workers} workers of one core and {@code workerMemory} each under
   * {@code dir}, and waits until every worker has registered.
   */
  public static StandaloneCluster start(ThinJar thin, Path dir, int workers, String workerMemory)
      throws Exception {
    Path home = sparkHome(thin, dir.resolve("spark-home"));
    StandaloneCluster cluster = new StandaloneCluster(freePort(), freePort());
    try {
      cluster.daemons.add(
          daemon(
              thin,
              home,
              dir.resolve("master.log"),
              "org.apache.spark.deploy.master.Master",
              "--host",
              "127.0.0.1",
              "--port",
              String.valueOf(cluster.port),
              "--webui-port",
              String.valueOf(cluster.webPort)));
      for (int i = 0; i < workers; i++) {
        Path work = Files.createDirectories(dir.resolve("worker-" + i));
        cluster.daemons.add(
            daemon(
                thin,
                home,
                dir.resolve("worker-" + i + ".log"),
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                workerMemory,
                "--webui-port",
                String.valueOf(freePort()),
                "--work-dir",
                work.toString(),
                cluster.masterUrl()));
      }
      cluster.daemons.forEach(p -> cluster.started.add(p.toHandle()));
      cluster.awaitWorkers(workers, dir);
      return cluster;
    } catch (Exception | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /** A SPARK_HOME whose jars/ links every jar of the cluster classpath (what a cluster brings). */
  private static Path sparkHome(ThinJar thin, Path home) throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    Set<String> names = new HashSet<>();
    for (String entry : thin.clusterClasspath) {
      Path jar = Path.of(entry);
      String name = jar.getFileName().toString();
      if (Files.isRegularFile(jar) && name.endsWith(".jar") && names.add(name)) {
        Path link = jars.resolve(name);
        if (!Files.exists(link)) {
          Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
      }
    }
    return home;
  }

  private static Process daemon(ThinJar thin, Path home, Path log, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(thin.opens);
    command.add("-Xmx512m");
    command.add("-cp");
    command.add(home.resolve("jars") + File.separator + "*");
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("SPARK_HOME", home.toString());
    builder.environment().put("SPARK_SCALA_VERSION", "2.12");
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    return builder.start();
  }

  private void awaitWorkers(int workers, Path dir) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    int seen = 0;
    while (System.nanoTime() < deadline) {
      for (Process p : daemons) {
        assertThat(p.isAlive())
            .as("a cluster daemon exited; logs under " + dir + ":\n" + logs(dir))
            .isTrue();
      }
      try {
        String json =
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort + "/json/"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .body();
        Matcher m = alive.matcher(json);
        if (m.find()) {
          seen = Integer.parseInt(m.group(1));
          if (seen >= workers) {
            return;
          }
        }
      } catch (IOException e) {
        // the master's web UI is not up yet
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        seen + " of " + workers + " workers registered within 90 s; logs:\n" + logs(dir));
  }

  private static String logs(Path dir) throws IOException {
    StringBuilder out = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path log : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        out.append("== ")
            .append(log.getFileName())
            .append('\n')
            .append(text, Math.max(0, text.length() - 3000), text.length())
            .append('\n');
      }
    }
    return out.toString();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Stops the workers (and their executors) and the master, by process id. */
  @Override
  public void close() throws InterruptedException {
    for (Process p : daemons) {
      p.descendants().forEach(started::add);
    }
    for (int i = daemons.size() - 1; i >= 0; i--) {
      ThinJar.stop(daemons.get(i));
    }
    for (ProcessHandle handle : started) {
      handle.destroyForcibly();
    }
  }
}
