package io.cslake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig.PlaybookSettings.Rule;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code cslake.playbooks.rules}: defaults, replacement and validation (SPEC §6.5). */
class PlaybookSettingsTest {
  private static Path dir;

  @BeforeAll
  static void createDir() throws IOException {
    dir =
        Files.createDirectories(
            Path.of(
                System.getProperty("cslake.test.dir", "target/test-work"), "playbook-settings"));
  }

  private static File conf(String name, String hocon) {
    Path file = dir.resolve(name + ".conf");
    try {
      Files.writeString(file, hocon);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toFile();
  }

  private static CslakeException usageError(File file) {
    CslakeException e =
        catchThrowableOfType(
            CslakeException.class, () -> ConfigLoader.load(List.of(file), List.of(), null));
    assertThat(e).as("a configuration error").isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    return e;
  }

  @Test
  void defaultsShipTheSixDocumentedRules() {
    List<Rule> rules = ConfigLoader.load(List.of(), List.of(), null).playbooks().rules();

    assertThat(rules)
        .extracting(Rule::name)
        .containsExactly(
            "health_drop",
            "high_risk_large_account",
            "champion_left",
            "nps_detractor",
            "usage_down_40",
            "renewal_at_risk");
    assertThat(rules)
        .extracting(Rule::severity)
        .containsExactly("high", "high", "high", "medium", "medium", "high");
    assertThat(rules.get(1).when()).isEqualTo("risk_band = 'high' AND mrr_percentile > 0.5");
    assertThat(rules).allSatisfy(r -> assertThat(r.action()).isNotBlank());
  }

  @Test
  void aListInAFileReplacesTheDefaults() {
    File file =
        conf(
            "replace",
            "cslake.playbooks.rules = [ { name = \"big\", when = \"mrr > 1000\","
                + " severity = LOW, action = \"Say thanks.\" } ]");

    List<Rule> rules = ConfigLoader.load(List.of(file), List.of(), null).playbooks().rules();

    assertThat(rules).containsExactly(new Rule("big", "mrr > 1000", "low", "Say thanks."));
  }

  @Test
  void aSelfReferenceKeepsTheDefaultsAndAddsRules() {
    File file =
        conf(
            "append",
            "cslake.playbooks.rules = ${cslake.playbooks.rules} [ { name = \"big\","
                + " when = \"mrr > 1000\", severity = low, action = \"Say thanks.\" } ]");

    List<Rule> rules = ConfigLoader.load(List.of(file), List.of(), null).playbooks().rules();

    assertThat(rules).hasSize(7);
    assertThat(rules.get(6).name()).isEqualTo("big");
  }

  @Test
  void anEmptyListTurnsPlaybooksOff() {
    File file = conf("off", "cslake.playbooks.rules = []");

    assertThat(ConfigLoader.load(List.of(file), List.of(), null).playbooks().rules()).isEmpty();
  }

  @Test
  void badSeverityIsAnErrorNamingTheKey() {
    File file =
        conf(
            "severity",
            "cslake.playbooks.rules = [ { name = \"x\", when = \"true\", severity = urgent,"
                + " action = \"a\" } ]");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.playbooks.rules[0].severity'")
        .contains("one of high, medium, low")
        .contains("urgent");
  }

  @Test
  void duplicateNamesAreAnErrorNamingTheKeyAndTheName() {
    File file =
        conf(
            "duplicate",
            "cslake.playbooks.rules = [ { name = \"x\", when = \"true\", severity = low,"
                + " action = \"a\" }, { name = \"x\", when = \"false\", severity = low,"
                + " action = \"b\" } ]");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.playbooks.rules[1].name'")
        .contains("'x'")
        .contains("cslake.playbooks.rules[0]");
  }

  @Test
  void emptyOrMissingNameIsAnError() {
    File blank =
        conf(
            "blank",
            "cslake.playbooks.rules = [ { name = \" \", when = \"true\", severity = low,"
                + " action = \"a\" } ]");
    File missing =
        conf(
            "missing",
            "cslake.playbooks.rules = [ { when = \"true\", severity = low, action = a } ]");

    assertThat(usageError(blank).getMessage())
        .contains("'cslake.playbooks.rules[0].name'")
        .contains("a non-empty string");
    assertThat(usageError(missing).getMessage()).contains("'cslake.playbooks.rules[0].name'");
  }

  @Test
  void unknownKeyInARuleIsAnErrorNamingIt() {
    File file =
        conf(
            "unknown",
            "cslake.playbooks.rules = [ { name = x, when = \"true\", severity = low, action = a,"
                + " owner = \"me\" } ]");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.playbooks.rules[0].owner'")
        .contains("no such key")
        .contains(file.getName());
  }

  @Test
  void rulesMustBeAListOfObjects() {
    assertThat(usageError(conf("scalar", "cslake.playbooks.rules = \"x\"")).getMessage())
        .contains("'cslake.playbooks.rules'")
        .contains("a list of rules");
    assertThat(usageError(conf("strings", "cslake.playbooks.rules = [\"x\"]")).getMessage())
        .contains("'cslake.playbooks.rules[0]'");
  }

  @Test
  void unknownKeyUnderPlaybooksIsAnError() {
    assertThat(usageError(conf("rule", "cslake.playbooks.rule = []")).getMessage())
        .contains("'cslake.playbooks.rule'")
        .contains("Did you mean 'cslake.playbooks.rules'?");
  }
}
