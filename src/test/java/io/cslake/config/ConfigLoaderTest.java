package io.cslake.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import io.cslake.CslakeException;
import io.cslake.config.SourceConfig.Format;
import io.cslake.contract.Source;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Loading, precedence and validation of the configuration (SPEC §3, §4.2); no Spark needed. */
class ConfigLoaderTest {
  private static Path dir;

  @BeforeAll
  static void createDir() throws IOException {
    dir =
        Files.createDirectories(
            Path.of(System.getProperty("cslake.test.dir", "target/test-work"), "config-loader"));
  }

  /** Writes a small HOCON file under target/ and returns it. */
  private static File conf(String name, String hocon) {
    Path file = dir.resolve(name + ".conf");
    try {
      Files.writeString(file, hocon);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toFile();
  }

  private static CslakeConfig load(List<File> files, String... sets) {
    return ConfigLoader.load(files, Arrays.asList(sets), null);
  }

  /** The usage error (exit 2) that loading these files and sets raises. */
  private static CslakeException usageError(List<File> files, List<String> sets, String asOf) {
    CslakeException e =
        catchThrowableOfType(CslakeException.class, () -> ConfigLoader.load(files, sets, asOf));
    assertThat(e).as("a configuration error").isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    return e;
  }

  private static CslakeException usageError(File file) {
    return usageError(List.of(file), List.of(), null);
  }

  // --- defaults and precedence -------------------------------------------------------------------

  @Test
  void defaultsLoadWithTheDocumentedValues() {
    CslakeConfig config = load(List.of());

    assertThat(config.lakehouse()).isEqualTo("./lakehouse");
    assertThat(config.reportingCurrency()).isEqualTo("USD");
    assertThat(config.asOf()).isEmpty();
    assertThat(config.spark().master()).isEmpty();
    assertThat(config.spark().appName()).isEqualTo("cslake");
    assertThat(config.spark().shufflePartitions()).isEqualTo(200);
    assertThat(config.spark().conf()).isEmpty();
    assertThat(config.ingest().maxQuarantineFraction()).isEqualTo(0.05);
    assertThat(config.ingest().futureToleranceDays()).isEqualTo(1);
    assertThat(config.ingest().usageLookbackDays()).isEqualTo(3);
    assertThat(config.metrics().grossMargin()).isEqualTo(0.8);
    assertThat(config.metrics().renewalGraceDays()).isEqualTo(30);
    assertThat(config.engagement().activeEventTypes()).isEmpty();
    assertThat(config.engagement().loginEventTypes()).containsExactly("login");
    assertThat(config.engagement().features()).isEmpty();
    assertThat(config.engagement().keyFeature()).isEmpty();
    assertThat(config.sources()).hasSize(Source.values().length);
    for (Source source : Source.values()) {
      SourceConfig sc = config.source(source);
      assertThat(sc.isPresent()).as(source.id()).isFalse();
      assertThat(sc.format()).as(source.id()).isEqualTo(Format.PARQUET);
      assertThat(sc.options()).as(source.id()).isEmpty();
      assertThat(sc.fields()).as(source.id()).isEmpty();
      assertThat(sc.filter()).as(source.id()).isEmpty();
    }
  }

  @Test
  void laterFileWinsOverEarlierFileWhichWinsOverDefaults() {
    File first =
        conf(
            "precedence-first",
            """
            cslake {
              lakehouse = "/first"
              reporting-currency = EUR
              spark.shuffle-partitions = 10
            }
            """);
    File second = conf("precedence-second", "cslake.lakehouse = \"/second\"\n");

    CslakeConfig config = load(List.of(first, second));

    assertThat(config.lakehouse()).isEqualTo("/second");
    assertThat(config.reportingCurrency()).isEqualTo("EUR");
    assertThat(config.spark().shufflePartitions()).isEqualTo(10);
    assertThat(config.spark().appName()).isEqualTo("cslake");
    assertThat(load(List.of(second, first)).lakehouse()).isEqualTo("/first");
  }

  @Test
  void setWinsOverEveryFileAndLaterSetWins() {
    File file =
        conf(
            "precedence-set",
            "cslake { lakehouse = \"/file\", spark.shuffle-partitions = 10, spark.app-name = f }");

    CslakeConfig config =
        load(
            List.of(file),
            "cslake.lakehouse=/from-set",
            "spark.shuffle-partitions=7",
            "spark.shuffle-partitions=9");

    assertThat(config.lakehouse()).isEqualTo("/from-set");
    assertThat(config.spark().shufflePartitions()).isEqualTo(9);
    assertThat(config.spark().appName()).isEqualTo("f");
  }

  @Test
  void asOfOptionWinsOverSetAndFile() {
    File file = conf("as-of", "cslake.as-of = \"2024-01-31\"");

    assertThat(load(List.of(file)).asOf()).contains(LocalDate.of(2024, 1, 31));
    assertThat(load(List.of(file), "as-of=2024-02-29").asOf()).contains(LocalDate.of(2024, 2, 29));
    assertThat(ConfigLoader.load(List.of(file), List.of("as-of=2024-02-29"), "2024-03-31").asOf())
        .contains(LocalDate.of(2024, 3, 31));
  }

  @Test
  void setKeepsUrisAndOtherPlainStringsWhole() {
    CslakeConfig config =
        load(
            List.of(),
            "lakehouse=s3a://bucket/lake house",
            "sources.accounts.path=hdfs://nn:8020/data/accounts",
            "sources.accounts.filter=status != 'test' # not a comment",
            "spark.master=local[2]",
            "sources.invoices.path=/data//invoices",
            "spark.app-name=nightly # eu");

    assertThat(config.lakehouse()).isEqualTo("s3a://bucket/lake house");
    assertThat(config.source(Source.ACCOUNTS).path()).contains("hdfs://nn:8020/data/accounts");
    assertThat(config.source(Source.ACCOUNTS).filter())
        .contains("status != 'test' # not a comment");
    assertThat(config.spark().master()).contains("local[2]");
    assertThat(config.source(Source.INVOICES).path()).contains("/data//invoices");
    assertThat(config.spark().appName()).isEqualTo("nightly # eu");
  }

  @Test
  void setAcceptsHoconValuesAndNull() {
    File file = conf("set-null", "cslake.sources.accounts.path = \"/data/accounts\"");

    CslakeConfig config =
        load(
            List.of(file),
            "sources.accounts.path=null",
            "sources.accounts.attributes=[plan, contract]",
            "ingest.max-quarantine-fraction=0.5");

    assertThat(config.source(Source.ACCOUNTS).isPresent()).isFalse();
    assertThat(config.source(Source.ACCOUNTS).attributes()).containsExactly("plan", "contract");
    assertThat(config.ingest().maxQuarantineFraction()).isEqualTo(0.5);
  }

  @Test
  void sourceSettingsAreRead() {
    File file =
        conf(
            "source",
            """
            cslake.sources.subscriptions {
              path = "/data/billing"
              format = CSV
              options { header = "true", sep = ";" }
              filter = "status != 'test'"
              fields { account_id = " customer_id ", mrr = "cast(monthly as decimal(18,2))" }
            }
            """);

    SourceConfig sc = load(List.of(file)).source(Source.SUBSCRIPTIONS);

    assertThat(sc.path()).contains("/data/billing");
    assertThat(sc.format()).isEqualTo(Format.CSV);
    assertThat(sc.options()).containsExactly(entry("header", "true"), entry("sep", ";"));
    assertThat(sc.filter()).contains("status != 'test'");
    assertThat(sc.fields())
        .containsOnly(
            entry("account_id", "customer_id"), entry("mrr", "cast(monthly as decimal(18,2))"));
  }

  // --- free-form maps
  // ------------------------------------------------------------------------------

  @Test
  void sparkConfAndReaderOptionsAcceptAnyKey() {
    File file =
        conf(
            "free-form",
            """
            cslake.spark.conf {
              "spark.sql.files.maxPartitionBytes" = "256m"
              spark.sql.adaptive.enabled = true
            }
            cslake.sources.usage_events.options {
              header = true
              "timestampFormat" = "yyyy-MM-dd HH:mm:ss"
              anything.nested.goes = 3
            }
            """);

    CslakeConfig config = load(List.of(file), "spark.conf.spark.executor.cores=2");

    assertThat(config.spark().conf())
        .containsOnly(
            entry("spark.sql.files.maxPartitionBytes", "256m"),
            entry("spark.sql.adaptive.enabled", "true"),
            entry("spark.executor.cores", "2"));
    assertThat(config.source(Source.USAGE_EVENTS).options())
        .containsOnly(
            entry("header", "true"),
            entry("timestampFormat", "yyyy-MM-dd HH:mm:ss"),
            entry("anything.nested.goes", "3"));
  }

  @Test
  void freeFormMapRejectsAListValueNamingKeyAndFile() {
    File file = conf("free-form-list", "cslake.sources.accounts.options { header = [true] }");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.accounts.options.header'")
        .contains(file.getPath())
        .contains("a string, number or boolean");
  }

  // --- unknown keys -----------------------------------------------------------------------------

  @Test
  void unknownKeyNamesTheKeyTheFileAndTheNearMiss() {
    File file = conf("unknown-key", "cslake {\n  lakehose = \"/x\"\n}\n");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.lakehose'")
        .contains(file.getPath())
        .contains("no such key")
        .contains("Did you mean 'cslake.lakehouse'?");
  }

  @Test
  void unknownKeyWithoutNearMissHasNoSuggestion() {
    File file = conf("unknown-far", "cslake.ingest.completely-different = 1");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.ingest.completely-different'")
        .contains(file.getPath())
        .doesNotContain("Did you mean");
  }

  @Test
  void unknownKeyOutsideTheRootIsAnError() {
    File file = conf("unknown-root", "lakehouse = \"/x\"");

    assertThat(usageError(file).getMessage()).contains("'lakehouse'").contains(file.getPath());
  }

  @Test
  void unknownKeyFromSetNamesTheSet() {
    CslakeException e = usageError(List.of(), List.of("ingest.max-quarantine-fractoin=0.1"), null);

    assertThat(e.getMessage())
        .contains("'cslake.ingest.max-quarantine-fractoin'")
        .contains("--set ingest.max-quarantine-fractoin=0.1")
        .contains("Did you mean 'cslake.ingest.max-quarantine-fraction'?");
  }

  @Test
  void unknownSourceNamesTheKeyAndSuggestsTheSource() {
    File file = conf("unknown-source", "cslake.sources.acounts.path = \"/data\"");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.acounts'")
        .contains(file.getPath())
        .contains("Did you mean 'cslake.sources.accounts'?");
  }

  @Test
  void attributesBelongToAccountsOnly() {
    File file = conf("attributes-elsewhere", "cslake.sources.invoices.attributes = [plan]");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.invoices.attributes'")
        .contains(file.getPath());
  }

  @Test
  void unknownContractFieldNamesFieldSourceFileAndTheContract() {
    File file =
        conf("unknown-field", "cslake.sources.accounts.fields { acount_id = \"tenant_id\" }");

    assertThat(usageError(file).getMessage())
        .contains("'acount_id'")
        .contains("source 'accounts'")
        .contains(file.getPath())
        .contains("no such field")
        .contains("account_id, created_at, name, segment, industry, region, csm_id");
  }

  @Test
  void fieldMappingMustBeAString() {
    File file = conf("field-number", "cslake.sources.accounts.fields { account_id = 5 }");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.accounts.fields.account_id'")
        .contains(file.getPath())
        .contains("must be a string");
  }

  @Test
  void emptyFieldMappingIsAnError() {
    File file = conf("field-empty", "cslake.sources.accounts.fields { account_id = \"  \" }");

    assertThat(usageError(file).getMessage())
        .contains("'account_id'")
        .contains("'accounts'")
        .contains("Remove it");
  }

  // --- wrong types and values
  // ---------------------------------------------------------------------

  @Test
  void experienceSettingsHaveTheDocumentedDefaults() {
    CslakeConfig.ExperienceSettings experience = load(List.of()).experience();

    assertThat(experience.npsWindowDays()).isEqualTo(180);
    assertThat(experience.themesPerSide()).isEqualTo(20);
    assertThat(experience.activationDays()).isEqualTo(30);
    assertThat(experience.costPerCsmMonthly()).isEmpty();
  }

  @Test
  void experienceSettingsAreReadFromFileAndSet() {
    File file =
        conf(
            "experience",
            "cslake.feedback.nps-window-days = 90\ncslake.cs-team.cost-per-csm-monthly = 8000");

    CslakeConfig config = load(List.of(file), "cslake.onboarding.activation-days=14");

    assertThat(config.experience().npsWindowDays()).isEqualTo(90);
    assertThat(config.experience().activationDays()).isEqualTo(14);
    assertThat(config.experience().costPerCsmMonthly()).contains(8000.0);
    assertThat(load(List.of(), "cs-team.cost-per-csm-monthly=12500.5").experience())
        .extracting(CslakeConfig.ExperienceSettings::costPerCsmMonthly)
        .isEqualTo(Optional.of(12500.5));
  }

  @Test
  void costPerCsmMustBeAPositiveNumber() {
    assertThat(
            usageError(List.of(), List.of("cslake.cs-team.cost-per-csm-monthly=lots"), null)
                .getMessage())
        .contains("'cslake.cs-team.cost-per-csm-monthly'")
        .contains("expected a number or null");
    assertThat(
            usageError(List.of(), List.of("cslake.cs-team.cost-per-csm-monthly=0"), null)
                .getMessage())
        .contains("'cslake.cs-team.cost-per-csm-monthly'")
        .contains("expected a positive number or null");
  }

  @Test
  void npsWindowMustBeAtLeastOneDay() {
    assertThat(
            usageError(List.of(), List.of("cslake.feedback.nps-window-days=0"), null).getMessage())
        .contains("'cslake.feedback.nps-window-days'")
        .contains("a whole number of at least 1");
  }

  @Test
  void stringForANumberNamesKeyAndFile() {
    File file = conf("string-for-number", "cslake.spark.shuffle-partitions = \"many\"");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.spark.shuffle-partitions'")
        .contains(file.getPath())
        .contains("expected a number")
        .contains("\"many\"");
  }

  @Test
  void objectForAStringNamesKeyAndFile() {
    File file = conf("object-for-string", "cslake.lakehouse { path = \"/x\" }");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.lakehouse'")
        .contains(file.getPath())
        .contains("expected a string")
        .contains("found object");
  }

  @Test
  void objectForANullDefaultedStringNamesKeyAndFile() {
    File file = conf("object-for-path", "cslake.sources.accounts.path { a = 1 }");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.accounts.path'")
        .contains(file.getPath())
        .contains("expected a string");
  }

  @Test
  void scalarForAnObjectNamesKeyAndFile() {
    File file = conf("scalar-for-object", "cslake.ingest = 3");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.ingest'")
        .contains(file.getPath())
        .contains("an object");
  }

  @Test
  void scalarForAListNamesKeyAndFile() {
    File file = conf("scalar-for-list", "cslake.sources.accounts.attributes = plan");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.accounts.attributes'")
        .contains(file.getPath())
        .contains("a list");
  }

  @Test
  void fractionOutOfRangeNamesKeyFileAndRange() {
    File file = conf("fraction", "cslake.ingest.max-quarantine-fraction = 2");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.ingest.max-quarantine-fraction'")
        .contains(file.getPath())
        .contains("between 0 and 1")
        .contains("found 2");
  }

  @Test
  void engagementSettingsAreReadTrimmedAndDeduplicated() {
    File file =
        conf(
            "engagement",
            """
            cslake.engagement {
              active-event-types = [" create ", "run_report", "create"]
              login-event-types = ["login", "sso_login"]
              features = ["reports", "dashboards"]
              key-feature = automation
            }
            """);

    CslakeConfig config = load(List.of(file), "engagement.login-event-types=[\"signin\"]");

    assertThat(config.engagement().activeEventTypes()).containsExactly("create", "run_report");
    assertThat(config.engagement().loginEventTypes()).containsExactly("signin");
    assertThat(config.engagement().features()).containsExactly("reports", "dashboards");
    assertThat(config.engagement().keyFeature()).contains("automation");
  }

  @Test
  void engagementListsRejectAStringAndABlankName() {
    File scalar = conf("engagement-scalar", "cslake.engagement.active-event-types = login");
    File blank = conf("engagement-blank", "cslake.engagement.features = [\"reports\", \" \"]");

    assertThat(usageError(scalar).getMessage())
        .contains("'cslake.engagement.active-event-types'")
        .contains(scalar.getPath())
        .contains("a list");
    assertThat(usageError(blank).getMessage())
        .contains("'cslake.engagement.features'")
        .contains(blank.getPath())
        .contains("non-empty names");
  }

  @Test
  void engagementKeyOutsideTheBlockIsAnError() {
    File file = conf("engagement-typo", "cslake.engagement.key-features = automation");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.engagement.key-features'")
        .contains("Did you mean 'cslake.engagement.key-feature'?");
  }

  @Test
  void grossMarginOutOfRangeAndNegativeGraceAreErrors() {
    File margin = conf("margin", "cslake.gross-margin = 1.5");
    File grace = conf("grace", "cslake.metrics.renewal-grace-days = -1");

    assertThat(usageError(margin).getMessage())
        .contains("'cslake.gross-margin'")
        .contains(margin.getPath())
        .contains("between 0 and 1");
    assertThat(usageError(grace).getMessage())
        .contains("'cslake.metrics.renewal-grace-days'")
        .contains("at least 0");
  }

  @Test
  void fractionalOrTooSmallCountIsAnError() {
    File half = conf("partitions-half", "cslake.spark.shuffle-partitions = 2.5");
    File zero = conf("partitions-zero", "cslake.spark.shuffle-partitions = 0");
    File negative = conf("lookback-negative", "cslake.ingest.usage-lookback-days = -1");

    assertThat(usageError(half).getMessage())
        .contains("'cslake.spark.shuffle-partitions'")
        .contains(half.getPath())
        .contains("a whole number of at least 1");
    assertThat(usageError(zero).getMessage()).contains("at least 1").contains(zero.getPath());
    assertThat(usageError(negative).getMessage())
        .contains("'cslake.ingest.usage-lookback-days'")
        .contains("at least 0");
  }

  @Test
  void numbersGivenAsStringsAreAccepted() {
    File file = conf("number-as-string", "cslake.spark.shuffle-partitions = \"16\"");

    assertThat(load(List.of(file)).spark().shufflePartitions()).isEqualTo(16);
  }

  @Test
  void badFormatNamesKeyFileAndTheFormats() {
    File file = conf("format", "cslake.sources.accounts.format = xml");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.sources.accounts.format'")
        .contains(file.getPath())
        .contains("parquet, delta, csv, json")
        .contains("xml");
  }

  @Test
  void badReportingCurrencyIsAnError() {
    File file = conf("currency", "cslake.reporting-currency = \"US Dollar\"");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.reporting-currency'")
        .contains(file.getPath())
        .contains("ISO 4217");
  }

  @Test
  void badAsOfDateNamesTheOptionAndTheFormat() {
    CslakeException e = usageError(List.of(), List.of(), "2024-02-30");

    assertThat(e.getMessage())
        .contains("'cslake.as-of'")
        .contains("--as-of")
        .contains("YYYY-MM-DD")
        .contains("2024-02-30");
  }

  @Test
  void badAsOfDateInAFileNamesTheFile() {
    File file = conf("as-of-bad", "cslake.as-of = \"31/01/2024\"");

    assertThat(usageError(file).getMessage())
        .contains("'cslake.as-of'")
        .contains(file.getPath())
        .contains("YYYY-MM-DD");
  }

  // --- --conf URIs of Hadoop file systems, --conf-string ---------------------------------------

  /** The --set pairs that register {@link SchemeTestFileSystem} the way a user passes s3a's. */
  private static final List<String> REGISTER_SCHEME =
      List.of(
          "cslake.spark.conf.\"spark.hadoop."
              + SchemeTestFileSystem.IMPL_KEY
              + "\"="
              + SchemeTestFileSystem.class.getName(),
          "cslake.spark.conf.\"spark.hadoop.fs."
              + SchemeTestFileSystem.SCHEME
              + ".impl.disable.cache\"=true");

  private static CslakeConfig loadSources(List<ConfSource> sources, List<String> sets) {
    return ConfigLoader.load(sources, sets, null, ConfigLoader::hadoopConfiguration);
  }

  private static CslakeException sourcesError(List<ConfSource> sources, List<String> sets) {
    CslakeException e =
        catchThrowableOfType(CslakeException.class, () -> loadSources(sources, sets));
    assertThat(e).as("a configuration error").isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    return e;
  }

  @Test
  void confUriOfARegisteredSchemeIsReadThroughItsHadoopFileSystem() {
    File file = conf("scheme", "cslake {\n  lakehouse = \"cstest:///lake\"\n}\n");
    String uri = SchemeTestFileSystem.uri(file.toPath());
    int opens = SchemeTestFileSystem.OPENS.get();

    CslakeConfig config = loadSources(List.of(ConfSource.location(uri)), REGISTER_SCHEME);

    assertThat(config.lakehouse()).isEqualTo("cstest:///lake");
    assertThat(SchemeTestFileSystem.OPENS.get())
        .as("files opened by the scheme")
        .isGreaterThan(opens);
  }

  @Test
  void unknownKeyInAConfUriNamesTheUriAndTheLine() {
    File file = conf("scheme-typo", "cslake {\n  ingest.max-quarantine-fractoin = 0.1\n}\n");
    String uri = SchemeTestFileSystem.uri(file.toPath());

    CslakeException e = sourcesError(List.of(ConfSource.location(uri)), REGISTER_SCHEME);

    assertThat(e.getMessage())
        .contains("'cslake.ingest.max-quarantine-fractoin'")
        .contains("(" + uri + ": 2)")
        .contains("Did you mean 'cslake.ingest.max-quarantine-fraction'?");
  }

  @Test
  void missingConfUriIsAnErrorNamingIt() {
    String uri = SchemeTestFileSystem.uri(dir.resolve("no-such.conf"));

    assertThat(sourcesError(List.of(ConfSource.location(uri)), REGISTER_SCHEME).getMessage())
        .contains("'" + uri + "'")
        .contains("does not exist");
  }

  @Test
  void confUriOfAnUnregisteredSchemeIsAnErrorSayingWhatIsMissing() {
    String uri = "nosuchfs://bucket/my.conf";

    CslakeException e = sourcesError(List.of(ConfSource.location(uri)), List.of());

    assertThat(e.getMessage())
        .contains("'" + uri + "'")
        .contains("nosuchfs")
        .contains("connector")
        .contains("spark.hadoop.");
  }

  @Test
  void fileUriWithAnAbsolutePathIsRead() {
    File file = conf("file-uri", "cslake.reporting-currency = EUR\n");
    String uri = file.toPath().toAbsolutePath().toUri().toString();
    assertThat(uri).startsWith("file:///");

    assertThat(loadSources(List.of(ConfSource.location(uri)), List.of()).reportingCurrency())
        .isEqualTo("EUR");
  }

  @Test
  void confStringsAndFilesLayerInTheOrderGiven() {
    File file = conf("with-strings", "cslake { lakehouse = \"/file\", reporting-currency = EUR }");
    ConfSource first = ConfSource.inline("cslake.lakehouse = \"/string\"", 1);
    ConfSource second = ConfSource.inline("cslake { reporting-currency = GBP }", 2);

    CslakeConfig stringLast =
        loadSources(List.of(first, ConfSource.location(file.getPath()), second), List.of());
    CslakeConfig fileLast =
        loadSources(List.of(first, second, ConfSource.location(file.getPath())), List.of());

    assertThat(stringLast.lakehouse()).isEqualTo("/file");
    assertThat(stringLast.reportingCurrency()).isEqualTo("GBP");
    assertThat(fileLast.lakehouse()).isEqualTo("/file");
    assertThat(fileLast.reportingCurrency()).isEqualTo("EUR");
    assertThat(loadSources(List.of(first), List.of("lakehouse=/set")).lakehouse())
        .as("--set wins")
        .isEqualTo("/set");
  }

  @Test
  void confStringErrorsNameTheConfString() {
    CslakeException unknown =
        sourcesError(
            List.of(
                ConfSource.inline("cslake.lakehouse = /x", 1),
                ConfSource.inline("cslake.lakehous = /x", 2)),
            List.of());
    CslakeException unparsable =
        sourcesError(List.of(ConfSource.inline("cslake { lakehouse = ", 1)), List.of());

    assertThat(unknown.getMessage())
        .contains("'cslake.lakehous'")
        .contains("--conf-string 2")
        .contains("Did you mean 'cslake.lakehouse'?");
    assertThat(unparsable.getMessage()).contains("Cannot parse --conf-string 1");
  }

  // --- files and --set syntax
  // ---------------------------------------------------------------------

  @Test
  void missingConfFileIsAnErrorNamingIt() {
    File missing = dir.resolve("does-not-exist.conf").toFile();

    assertThat(usageError(missing).getMessage())
        .contains("'" + missing.getPath() + "'")
        .contains("does not exist")
        .contains("--conf");
  }

  @Test
  void unparsableConfFileIsAnErrorNamingIt() {
    File file = conf("unparsable", "cslake { lakehouse = ");

    assertThat(usageError(file).getMessage()).contains("Cannot parse").contains(file.getPath());
  }

  @Test
  void setWithoutEqualsSignIsAnError() {
    CslakeException e = usageError(List.of(), List.of("lakehouse"), null);

    assertThat(e.getMessage()).contains("--set 'lakehouse'").contains("key=value");
  }

  @Test
  void substitutionsInFilesAreResolved() {
    File file =
        conf(
            "substitution",
            """
            base = "/data/lake"
            cslake.lakehouse = ${base}"/lakehouse"
            cslake.sources.accounts.path = ${cslake.lakehouse}"/../accounts"
            """);

    assertThat(usageError(file).getMessage()).contains("'base'").contains(file.getPath());

    File within =
        conf(
            "substitution-within",
            """
            cslake.lakehouse = "/data/lake"
            cslake.sources.accounts.path = ${cslake.lakehouse}"/accounts"
            """);
    assertThat(load(List.of(within)).source(Source.ACCOUNTS).path())
        .contains("/data/lake/accounts");

    File wrongType =
        conf(
            "substitution-type",
            """
            cslake.spark.app-name = "x"
            cslake.spark.shuffle-partitions = ${cslake.spark.app-name}
            """);
    assertThat(usageError(wrongType).getMessage())
        .contains("'cslake.spark.shuffle-partitions'")
        .contains(wrongType.getPath())
        .contains("a number");
  }

  // --- the embedded default
  // -----------------------------------------------------------------------

  @Test
  void localConfLoadsAndPointsEverySourceAtTheSample() {
    File local = Path.of("conf", "local.conf").toFile();
    assertThat(local).isFile();

    CslakeConfig config = load(List.of(local));

    assertThat(config.lakehouse()).isEqualTo("./lakehouse");
    assertThat(config.spark().master()).contains("local[*]");
    for (Source source : Source.values()) {
      assertThat(config.source(source).path())
          .as(source.id())
          .isEqualTo(Optional.of("datasets/sample/" + source.id()));
    }
  }

  @Test
  void theExampleConfigurationsLoad() {
    CslakeConfig cluster = load(List.of(Path.of("conf", "cluster.example.conf").toFile()));
    assertThat(cluster.spark().master()).isEmpty();
    assertThat(cluster.source(Source.ACCOUNTS).attributes())
        .containsExactly("plan", "contract_type");

    CslakeConfig mapping = load(List.of(Path.of("conf", "mapping.example.conf").toFile()));
    assertThat(mapping.source(Source.USAGE_EVENTS).fields())
        .containsEntry("event_time", "timestamp_millis(ts)");
    assertThat(mapping.source(Source.SUBSCRIPTIONS).options()).containsKey("schema");
    assertThat(mapping.source(Source.ACCOUNTS).filter()).contains("is_test = 'false'");
  }

  @Test
  void clvSettingsHaveTheirDefaultsAndRefuseBadValues() {
    CslakeConfig.ClvSettings defaults = load(List.of()).clv();
    assertThat(defaults.timeUnit()).isEqualTo(CslakeConfig.TimeUnit.WEEK);
    assertThat(defaults.timeUnit().days()).isEqualTo(7.0);
    assertThat(defaults.horizonMonths()).isEqualTo(12);
    assertThat(defaults.discountRateMonthly()).isEqualTo(0.01);
    CslakeConfig.ClvSettings set =
        load(
                List.of(),
                "clv.time-unit=Month",
                "clv.horizon-months=24",
                "clv.discount-rate-monthly=0")
            .clv();
    assertThat(set.timeUnit().days()).isEqualTo(365.25 / 12);
    assertThat(set.horizonMonths()).isEqualTo(24);
    assertThat(set.discountRateMonthly()).isZero();

    assertThat(usageError(List.of(), List.of("clv.time-unit=fortnight"), null))
        .hasMessageContaining("'cslake.clv.time-unit'")
        .hasMessageContaining("one of day, week, month")
        .hasMessageContaining("fortnight");
    assertThat(usageError(List.of(), List.of("clv.horizon-months=0"), null))
        .hasMessageContaining("'cslake.clv.horizon-months'")
        .hasMessageContaining("a whole number of at least 1");
    assertThat(usageError(List.of(), List.of("clv.discount-rate-monthly=-0.1"), null))
        .hasMessageContaining("'cslake.clv.discount-rate-monthly'")
        .hasMessageContaining("at least 0 and below 1");
  }
}
