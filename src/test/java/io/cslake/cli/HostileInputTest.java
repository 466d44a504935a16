package io.cslake.cli;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import io.cslake.job.GenerateJob;
import io.cslake.table.Lakehouse;
import io.cslake.table.RunsTable;
import io.cslake.transform.Validation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A small generated company written as CSV, each source with a second file of hostile rows: wrong
 * types, nulls in keys, future dates, scores out of scale, negative amounts, duplicates, truncated
 * lines, bad UTF-8, 1 MB strings and unknown accounts. {@code cslake ingest} exits 0 with no stack
 * trace, and for every source the row accounting holds against counts computed here from the
 * mutations: read = generated + hostile lines = accepted + quarantined + duplicates, each hostile
 * row in {@code _quarantine} under the rule it breaks (or in silver where the contract accepts it),
 * nothing lost.
 */
class HostileInputTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.of(2025, 1, 31);
  static final String HUGE = "x".repeat(1 << 20);

  /** One hostile line: its text (or bytes) and the rule it must land under; null = accepted. */
  record Hostile(byte[] line, String rule) {}

  static Map<String, Long> generated;
  static final Map<Source, List<Hostile>> HOSTILE = new LinkedHashMap<>();
  static MainTest.Result result;
  static Lakehouse lakehouse;
  static Map<String, Row> runs;

  @BeforeAll
  static void ingestHostileSources() throws IOException {
    Path generatedDir = newDir("hostile-gen");
    generated =
        GenerateJob.run(
            spark,
            new GeneratorParams(
                20,
                3,
                LocalDate.of(2024, 11, 1),
                5,
                0.005,
                GeneratorParams.Format.PARQUET,
                generatedDir.toString(),
                Set.of()));
    String account =
        spark
            .read()
            .parquet(generatedDir.resolve("accounts").toString())
            .select("account_id")
            .orderBy("account_id")
            .first()
            .getString(0);
    Path csv = newDir("hostile-csv");
    List<String> args = new ArrayList<>(List.of("ingest"));
    Path lake = newDir("hostile-lake");
    List<String> sets =
        new ArrayList<>(
            List.of(
                "cslake.lakehouse=" + lake,
                "cslake.spark.master=local[2]",
                "cslake.spark.shuffle-partitions=2",
                "cslake.as-of=" + AS_OF,
                "cslake.ingest.max-quarantine-fraction=1.0"));
    for (Source source : Source.values()) {
      Path dir = csv.resolve(source.id());
      List<String> header = toCsv(generatedDir.resolve(source.id()), dir);
      List<Hostile> hostile = hostile(source, header, dir, account);
      HOSTILE.put(source, hostile);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      bytes.write((String.join(",", header) + "\n").getBytes(StandardCharsets.UTF_8));
      for (Hostile h : hostile) {
        bytes.write(h.line());
        bytes.write('\n');
      }
      Files.write(dir.resolve("zz-hostile.csv"), bytes.toByteArray());
      sets.add("cslake.sources." + source.id() + ".path=" + dir);
      sets.add("cslake.sources." + source.id() + ".format=csv");
      sets.add("cslake.sources." + source.id() + ".options.header=true");
    }
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    result = MainTest.run(args.toArray(String[]::new));
    lakehouse = new Lakehouse(lake.toString());
    runs = new HashMap<>();
    if (Files.isDirectory(Path.of(lakehouse.runs()))) {
      for (Row r :
          spark
              .read()
              .format("delta")
              .load(lakehouse.runs())
              .filter(col(RunsTable.SOURCE).isNotNull())
              .collectAsList()) {
        runs.put(r.getAs(RunsTable.SOURCE), r);
      }
    }
  }

  /** Writes the generated Parquet source as one CSV file of strings; returns its header. */
  static List<String> toCsv(Path parquet, Path dir) throws IOException {
    Dataset<Row> rows = spark.read().parquet(parquet.toString());
    List<Column> strings = new ArrayList<>();
    for (String name : rows.columns()) {
      if (!name.equals("event_date")) {
        strings.add(col(name).cast("string").as(name));
      }
    }
    rows.select(strings.toArray(Column[]::new))
        .coalesce(1)
        .write()
        .option("header", "true")
        .csv(dir.toString());
    try (Stream<Path> files = Files.list(dir)) {
      Path part =
          files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
      return List.of(Files.readAllLines(part, StandardCharsets.UTF_8).get(0).split(","));
    }
  }

  /** The first data line of the generated CSV, or null when the source is empty. */
  static String firstDataLine(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      Path part =
          files.filter(p -> p.getFileName().toString().endsWith(".csv")).findFirst().orElseThrow();
      List<String> lines = Files.readAllLines(part, StandardCharsets.UTF_8);
      return lines.size() > 1 ? lines.get(1) : null;
    }
  }

  /** A valid row of each source, about an account that exists; each hostile row breaks one rule. */
  static Map<String, String> base(Source source, String account) {
    String t = "2024-12-01 10:00:00";
    Map<String, String> m = new LinkedHashMap<>();
    switch (source) {
      case ACCOUNTS -> m.putAll(Map.of("account_id", "H-ACC", "created_at", t, "segment", "smb"));
      case SUBSCRIPTIONS ->
          m.putAll(
              Map.of(
                  "account_id",
                  account,
                  "start_date",
                  "2024-12-01",
                  "mrr",
                  "10",
                  "subscription_id",
                  "H-SUB",
                  "product_id",
                  "core",
                  "currency",
                  "USD"));
      case USAGE_EVENTS ->
          m.putAll(
              Map.of(
                  "account_id",
                  account,
                  "user_id",
                  "H-U",
                  "event_time",
                  t,
                  "event_type",
                  "login",
                  "duration_sec",
                  "5"));
      case SUPPORT_TICKETS ->
          m.putAll(
              Map.of(
                  "ticket_id",
                  "H-T",
                  "account_id",
                  account,
                  "created_at",
                  t,
                  "csat",
                  "4",
                  "escalated",
                  "false"));
      case SURVEYS ->
          m.putAll(
              Map.of(
                  "account_id",
                  account,
                  "responded_at",
                  t,
                  "survey_type",
                  "nps",
                  "score",
                  "8",
                  "user_id",
                  "H-U"));
      case CONTACTS ->
          m.putAll(
              Map.of(
                  "contact_id", "H-C", "account_id", account, "role", "champion", "started_at", t));
      case MILESTONES ->
          m.putAll(Map.of("account_id", account, "milestone", "first_login", "reached_at", t));
      case CSM_ACTIVITIES ->
          m.putAll(
              Map.of(
                  "account_id",
                  account,
                  "csm_id",
                  "H-CSM",
                  "activity_at",
                  t,
                  "activity_type",
                  "call"));
      case REFERRALS ->
          m.putAll(Map.of("account_id", account, "referred_at", t, "referral_id", "H-R"));
      case CHURN_EVENTS -> m.putAll(Map.of("account_id", account, "churned_at", t));
      case INVOICES ->
          m.putAll(
              Map.of(
                  "invoice_id",
                  "H-I",
                  "account_id",
                  account,
                  "issued_at",
                  t,
                  "amount",
                  "10",
                  "currency",
                  "USD"));
      case FX_RATES ->
          m.putAll(Map.of("date", "2024-12-01", "currency", "H-CUR", "rate_to_reporting", "1.1"));
      case TRANSACTIONS -> m.putAll(Map.of("account_id", account, "ordered_at", t, "amount", "5"));
    }
    return m;
  }

  /** The hostile lines of one source, each with the rule it must land under. */
  static List<Hostile> hostile(Source source, List<String> header, Path dir, String account)
      throws IOException {
    Map<String, String> b = base(source, account);
    List<Hostile> h = new ArrayList<>();
    String nobody = "H-NOBODY";
    String future = "2099-01-01 00:00:00";
    switch (source) {
      case ACCOUNTS -> {
        h.add(row(header, b, Validation.REQUIRED_NULL, "account_id", ""));
        h.add(row(header, b, Validation.NOT_CASTABLE, "account_id", "H-T", "created_at", "later"));
        h.add(
            row(header, b, Validation.FUTURE_TIMESTAMP, "account_id", "H-F", "created_at", future));
        h.add(raw("H-TRUNC,2024-1", Validation.MALFORMED));
        // The contract accepts any string: a 1 MB name and a name with invalid UTF-8 (decoded
        // to U+FFFD) are accepted.
        h.add(row(header, b, null, "account_id", "H-BIG", "name", HUGE));
        h.add(badUtf8(header, b, "account_id", "H-UTF8", "name"));
      }
      case SUBSCRIPTIONS -> {
        h.add(row(header, b, Validation.NEGATIVE_VALUE, "mrr", "-5"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
        h.add(row(header, b, Validation.NOT_CASTABLE, "mrr", "lots"));
        h.add(row(header, b, Validation.REQUIRED_NULL, "start_date", ""));
        h.add(row(header, b, Validation.END_BEFORE_START, "end_date", "2024-01-01"));
      }
      case USAGE_EVENTS -> {
        h.add(row(header, b, Validation.REQUIRED_NULL, "account_id", ""));
        h.add(row(header, b, Validation.FUTURE_TIMESTAMP, "event_time", future));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
        h.add(row(header, b, Validation.NOT_CASTABLE, "duration_sec", "fast"));
        h.add(row(header, b, Validation.NEGATIVE_VALUE, "duration_sec", "-3"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody, "feature", HUGE));
        h.add(raw(account + ",H-U", Validation.MALFORMED));
        h.add(badUtf8(header, b, "user_id", "H-UTF8", "feature"));
      }
      case SUPPORT_TICKETS -> {
        h.add(row(header, b, Validation.REQUIRED_NULL, "ticket_id", ""));
        h.add(row(header, b, Validation.OUT_OF_SCALE, "ticket_id", "H-T7", "csat", "7"));
        h.add(row(header, b, Validation.OUT_OF_SCALE, "ticket_id", "H-T0", "csat", "0"));
        h.add(row(header, b, Validation.NOT_CASTABLE, "ticket_id", "H-TE", "escalated", "maybe"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
      case SURVEYS -> {
        h.add(row(header, b, Validation.OUT_OF_SCALE, "user_id", "H-1", "score", "11"));
        h.add(row(header, b, Validation.OUT_OF_SCALE, "user_id", "H-2", "score", "-1"));
        h.add(row(header, b, Validation.OUT_OF_SCALE, "user_id", "H-3", "score", "7.5"));
        h.add(
            row(
                header,
                b,
                Validation.OUT_OF_SCALE,
                "user_id",
                "H-4",
                "survey_type",
                "csat",
                "score",
                "6"));
        h.add(
            row(
                header,
                b,
                Validation.OUT_OF_SCALE,
                "user_id",
                "H-5",
                "survey_type",
                "csat",
                "score",
                "0"));
        h.add(row(header, b, Validation.NOT_CASTABLE, "user_id", "H-6", "score", "ten"));
        h.add(
            row(header, b, Validation.FUTURE_TIMESTAMP, "user_id", "H-7", "responded_at", future));
        h.add(row(header, b, Validation.UNKNOWN_CATEGORY, "user_id", "H-8", "survey_type", "nsp"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
        // The ends of each scale are inside it.
        h.add(row(header, b, null, "user_id", "H-9", "score", "10"));
        h.add(row(header, b, null, "user_id", "H-10", "survey_type", "csat", "score", "1"));
      }
      case CONTACTS -> {
        h.add(row(header, b, Validation.UNKNOWN_CATEGORY, "role", "overlord"));
        h.add(row(header, b, Validation.END_BEFORE_START, "ended_at", "2024-01-01 00:00:00"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
      case MILESTONES -> {
        h.add(row(header, b, Validation.NOT_CASTABLE, "reached_at", "soon"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
      case REFERRALS -> {
        h.add(row(header, b, Validation.END_BEFORE_START, "converted_at", "2024-01-01 00:00:00"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
      case CSM_ACTIVITIES, CHURN_EVENTS ->
          h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      case INVOICES -> {
        h.add(row(header, b, Validation.NEGATIVE_VALUE, "amount", "-1"));
        h.add(row(header, b, Validation.REQUIRED_NULL, "invoice_id", ""));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
      case FX_RATES -> {
        h.add(row(header, b, Validation.NEGATIVE_VALUE, "rate_to_reporting", "-0.5"));
        h.add(row(header, b, Validation.FUTURE_TIMESTAMP, "date", "2099-01-01"));
        h.add(row(header, b, Validation.REQUIRED_NULL, "currency", ""));
      }
      case TRANSACTIONS -> {
        h.add(row(header, b, Validation.NEGATIVE_VALUE, "amount", "-10"));
        h.add(row(header, b, Validation.NOT_CASTABLE, "amount", "a lot"));
        h.add(row(header, b, Validation.UNKNOWN_ACCOUNT, "account_id", nobody));
      }
    }
    // An exact copy of a generated line is a duplicate.
    String first = firstDataLine(dir);
    if (first != null) {
      h.add(raw(first, Validation.DUPLICATE));
    }
    return h;
  }

  static Hostile row(List<String> header, Map<String, String> base, String rule, String... kv) {
    Map<String, String> values = new LinkedHashMap<>(base);
    for (int i = 0; i < kv.length; i += 2) {
      values.put(kv[i], kv[i + 1]);
    }
    for (String key : values.keySet()) {
      assertThat(header).as("a contract column").contains(key);
    }
    return new Hostile(line(header, values), rule);
  }

  static Hostile raw(String line, String rule) {
    return new Hostile(line.getBytes(StandardCharsets.UTF_8), rule);
  }

  /** A valid row with {@code key = value} and the bytes C3 28 (not UTF-8) in {@code field}. */
  static Hostile badUtf8(
      List<String> header, Map<String, String> base, String key, String value, String field) {
    Map<String, String> values = new LinkedHashMap<>(base);
    values.put(key, value);
    values.put(field, "BAD");
    String text = new String(line(header, values), StandardCharsets.UTF_8);
    int at = text.indexOf("BAD");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
    out.writeBytes(new byte[] {'B', (byte) 0xC3, (byte) 0x28, 'D'});
    out.writeBytes(text.substring(at + 3).getBytes(StandardCharsets.UTF_8));
    return new Hostile(out.toByteArray(), null);
  }

  static byte[] line(List<String> header, Map<String, String> values) {
    return header.stream()
        .map(h -> values.getOrDefault(h, ""))
        .collect(Collectors.joining(","))
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void ingestExitsZeroWithoutAStackTrace() {
    assertThat(result.exitCode()).as(result.out() + result.err()).isZero();
    assertThat(result.err()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(result.out()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @ParameterizedTest
  @EnumSource(Source.class)
  void everyRowOfEverySourceIsAccountedFor(Source source) {
    List<Hostile> hostile = HOSTILE.get(source);
    long lines = hostile.size();
    Map<String, Long> byRule = new TreeMap<>();
    long acceptedHostile = 0;
    for (Hostile h : hostile) {
      if (h.rule() == null) {
        acceptedHostile++;
      } else {
        byRule.merge(h.rule(), 1L, Long::sum);
      }
    }
    long duplicates = byRule.getOrDefault(Validation.DUPLICATE, 0L);
    long quarantined = byRule.values().stream().mapToLong(Long::longValue).sum() - duplicates;
    long read = generated.get(source.id()) + lines;
    long accepted = generated.get(source.id()) + acceptedHostile;

    Row r = runs.get(source.id());
    assertThat(r).as(source.id() + " in _runs").isNotNull();
    assertThat((long) r.getAs(RunsTable.ROWS_READ)).as(source.id() + " read").isEqualTo(read);
    assertThat((long) r.getAs(RunsTable.ROWS_ACCEPTED))
        .as(source.id() + " accepted")
        .isEqualTo(accepted);
    assertThat((long) r.getAs(RunsTable.ROWS_QUARANTINED))
        .as(source.id() + " quarantined")
        .isEqualTo(quarantined);
    assertThat((long) r.getAs(RunsTable.ROWS_DUPLICATE))
        .as(source.id() + " duplicates")
        .isEqualTo(duplicates);
    assertThat(read).isEqualTo(accepted + quarantined + duplicates);

    // Nothing lost: silver holds the accepted rows, _quarantine every other one under its rule.
    assertThat(spark.read().format("delta").load(lakehouse.silver(source.id())).count())
        .as(source.id() + " silver")
        .isEqualTo(accepted);
    Map<String, Long> inQuarantine =
        spark
            .read()
            .format("delta")
            .load(lakehouse.quarantine())
            .filter(col("source").equalTo(source.id()))
            .groupBy("rule")
            .count()
            .collectAsList()
            .stream()
            .collect(
                Collectors.toMap(
                    x -> x.getString(0), x -> x.getLong(1), (a, b) -> a, TreeMap::new));
    assertThat(inQuarantine).as(source.id() + " quarantine by rule").isEqualTo(byRule);
  }

  @Test
  void stringsTheContractAcceptsArriveWhole() {
    Map<String, String> names =
        spark
            .read()
            .format("delta")
            .load(lakehouse.silver("accounts"))
            .filter(col("account_id").startsWith("H-"))
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getAs("account_id"), r -> r.getAs("name")));
    assertThat(names.keySet()).containsExactlyInAnyOrder("H-BIG", "H-UTF8");
    assertThat(names.get("H-BIG")).hasSize(1 << 20);
    assertThat(names.get("H-UTF8")).isEqualTo("B\uFFFD(D");
    String huge =
        spark
            .read()
            .format("delta")
            .load(lakehouse.quarantine())
            .filter(col("source").equalTo("usage_events"))
            .filter(col("record").contains("H-NOBODY"))
            .filter(org.apache.spark.sql.functions.length(col("record")).gt(1 << 20))
            .first()
            .getAs("record");
    assertThat(huge).contains(HUGE);
  }
}
