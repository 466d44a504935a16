package io.cslake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line, run in this JVM through {@link Main#run}: help, exit codes and messages. */
public class MainTest {
  /** Every command of SPEC §3. */
  static final List<String> COMMANDS =
      List.of("generate", "ingest", "metrics", "features", "train", "score", "clv", "run", "demo");

  /** What one in-process run printed and returned. */
  public record Result(int exitCode, String out, String err) {}

  /** Runs {@code cslake args} with System.out and System.err captured. */
  public static synchronized Result run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      int code = Main.run(args);
      System.out.flush();
      System.err.flush();
      return new Result(
          code,
          outBytes.toString(StandardCharsets.UTF_8),
          errBytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void helpListsEveryCommandAndExitsZero() {
    Result result = run("--help");

    assertThat(result.exitCode()).isZero();
    for (String command : COMMANDS) {
      assertThat(result.out()).as(command).containsPattern("(?m)^\\s+" + command + "\\s");
    }
  }

  @Test
  void versionPrintsTheNameAndExitsZero() {
    Result result = run("--version");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("cslake ");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "generate",
        "ingest",
        "metrics",
        "features",
        "train",
        "score",
        "clv",
        "run",
        "demo"
      })
  void everyCommandHasHelpWithTheCommonOptions(String command) {
    Result result = run(command, "--help");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .contains("Usage: cslake " + command)
        .contains("--conf=FILE")
        .contains("--conf-string=HOCON")
        .contains("--set=KEY=VALUE")
        .contains("--as-of=YYYY-MM-DD");
  }

  @Test
  void noCommandExitsTwoWithUsage() {
    Result result = run();

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("Missing a command").contains("Usage: cslake");
  }

  @Test
  void unknownCommandExitsTwo() {
    Result result = run("ingets");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("ingets");
  }

  @Test
  void unknownOptionExitsTwoNamingIt() {
    Result result = run("metrics", "--frobnicate");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--frobnicate");
  }

  @Test
  void optionWithoutItsValueExitsTwo() {
    Result result = run("metrics", "--conf");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("--conf");
  }

  /**
   * A configuration error surfaces as exit 2 with the loader's message and no stack trace. {@code
   * ingest} is the first command that loads the configuration.
   */
  @Test
  void configErrorExitsTwoWithTheMessageAndNoStackTrace() throws IOException {
    Path dir =
        Files.createDirectories(
            Path.of(System.getProperty("cslake.test.dir", "target/test-work"), "main-test"));
    Path conf = dir.resolve("typo.conf");
    Files.writeString(conf, "cslake.ingest.max-quarantine-fractoin = 0.1\n");

    Result result = run("ingest", "--conf", conf.toString());

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains("'cslake.ingest.max-quarantine-fractoin'")
        .contains(conf.toString())
        .contains("Did you mean 'cslake.ingest.max-quarantine-fraction'?")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
  }

  /**
   * {@code --conf} files and {@code --conf-string}s are one list in command-line order: the later
   * one's (out of range) value is the one refused, named by its origin.
   */
  @Test
  void confFilesAndConfStringsLayerInCommandLineOrder() throws IOException {
    Path dir =
        Files.createDirectories(
            Path.of(System.getProperty("cslake.test.dir", "target/test-work"), "main-test"));
    Path conf = dir.resolve("fraction.conf");
    Files.writeString(conf, "cslake.ingest.max-quarantine-fraction = 3\n");
    String inline = "cslake.ingest.max-quarantine-fraction = 2";

    Result fileLast = run("ingest", "--conf-string", inline, "--conf", conf.toString());
    Result stringLast = run("ingest", "--conf", conf.toString(), "--conf-string", inline);

    assertThat(fileLast.exitCode()).as(fileLast.err()).isEqualTo(2);
    assertThat(fileLast.err())
        .contains("'cslake.ingest.max-quarantine-fraction' (" + conf + ": 1)")
        .contains("found 3");
    assertThat(stringLast.exitCode()).as(stringLast.err()).isEqualTo(2);
    assertThat(stringLast.err())
        .contains("'cslake.ingest.max-quarantine-fraction' (--conf-string 1: 1)")
        .contains("found 2")
        .doesNotContain("\tat ");
  }

  @Test
  void missingConfFileExitsTwoNamingIt() {
    Result result = run("ingest", "--conf", "no/such/file.conf");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err())
        .contains("no/such/file.conf")
        .contains("does not exist")
        .doesNotContain("\tat ");
  }
}
