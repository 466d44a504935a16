package io.cslake.transform.playbooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.config.ConfigLoader;
import io.cslake.config.CslakeConfig.PlaybookSettings.Rule;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Playbook rules over hand-built account_360 rows: matching, trigger values, lifecycle, guards. */
class PlaybooksTest extends SparkTestBase {
  private static final StructType ACCOUNT_360 =
      new StructType()
          .add("account_id", DataTypes.StringType)
          .add("as_of_date", DataTypes.DateType)
          .add("csm_id", DataTypes.StringType)
          .add("segment", DataTypes.StringType)
          .add("mrr", DataTypes.DoubleType)
          .add("mrr_percentile", DataTypes.DoubleType)
          .add("health_score", DataTypes.DoubleType)
          .add("health_band", DataTypes.StringType)
          .add("health_score_change", DataTypes.DoubleType)
          .add("churn_probability", DataTypes.DoubleType)
          .add("risk_band", DataTypes.StringType)
          .add("mrr_at_risk", DataTypes.DoubleType)
          .add("champion_left_90d", DataTypes.IntegerType)
          .add("last_nps", DataTypes.IntegerType)
          .add("events_ratio_30_60", DataTypes.DoubleType)
          .add("months_to_renewal", DataTypes.DoubleType)
          .add("billing_period_months", DataTypes.IntegerType);

  private static final Date DAY_1 = Date.valueOf("2026-01-31");
  private static final Date DAY_2 = Date.valueOf("2026-02-28");
  private static final Date DAY_3 = Date.valueOf("2026-03-31");
  private static final Timestamp RUN_1 = Timestamp.valueOf("2026-02-01 06:00:00");
  private static final Timestamp RUN_2 = Timestamp.valueOf("2026-03-01 06:00:00");
  private static final Timestamp RUN_3 = Timestamp.valueOf("2026-04-01 06:00:00");

  private static List<Rule> defaults;

  @BeforeAll
  static void loadDefaults() {
    defaults = ConfigLoader.load(List.of(), List.of(), null).playbooks().rules();
  }

  /** An account that matches no default rule; each variant below changes one value. */
  private static Object[] control(String account, Date day) {
    return new Object[] {
      account,
      day,
      "csm-" + account,
      "smb",
      500.0,
      0.4,
      55.0,
      "yellow",
      -5.0,
      0.6,
      "high",
      300.0,
      0,
      8,
      0.9,
      5.0,
      12
    };
  }

  private static Object[] with(Object[] row, String column, Object value) {
    Object[] copy = row.clone();
    copy[ACCOUNT_360.fieldIndex(column)] = value;
    return copy;
  }

  /** One account per default rule, matching only that rule, plus a control and an all-null row. */
  private static List<Object[]> onePerRule(Date day) {
    List<Object[]> rows = new ArrayList<>();
    rows.add(control("control", day));
    rows.add(with(control("health_drop", day), "health_score_change", -15.0));
    rows.add(with(control("high_risk_large_account", day), "mrr_percentile", 0.8));
    rows.add(with(control("champion_left", day), "champion_left_90d", 1));
    rows.add(with(control("nps_detractor", day), "last_nps", 6));
    rows.add(with(control("usage_down_40", day), "events_ratio_30_60", 0.6));
    rows.add(with(control("renewal_at_risk", day), "months_to_renewal", 1.5));
    // A monthly contract renews every month: no renewal conversation to start.
    rows.add(
        with(
            with(control("monthly_renewal", day), "months_to_renewal", 0.5),
            "billing_period_months",
            1));
    Object[] nulls = new Object[ACCOUNT_360.size()];
    nulls[0] = "nulls";
    nulls[1] = day;
    rows.add(nulls);
    return rows;
  }

  private static Dataset<Row> frame(List<Object[]> rows) {
    List<Row> list = rows.stream().map(RowFactory::create).collect(Collectors.toList());
    return spark.createDataFrame(list, ACCOUNT_360);
  }

  private static Dataset<Row> noAlerts() {
    return spark.createDataFrame(Collections.<Row>emptyList(), PlaybookAlerts.SCHEMA);
  }

  /** What the score job's MERGE on alert_id does: changed rows replace, new rows are inserted. */
  private static Dataset<Row> merge(Dataset<Row> table, Dataset<Row> changes) {
    return table
        .join(
            changes.select(PlaybookAlerts.ALERT_ID),
            table.col(PlaybookAlerts.ALERT_ID).equalTo(changes.col(PlaybookAlerts.ALERT_ID)),
            "left_anti")
        .unionByName(changes)
        .localCheckpoint();
  }

  private static List<Row> rows(Dataset<Row> alerts) {
    return alerts
        .orderBy(PlaybookAlerts.RULE, PlaybookAlerts.ACCOUNT_ID, PlaybookAlerts.OPENED_AT)
        .collectAsList();
  }

  private static List<String> ruleAndAccount(Dataset<Row> alerts) {
    return rows(alerts).stream()
        .map(
            r ->
                r.getAs(PlaybookAlerts.RULE)
                    + "/"
                    + r.getAs(PlaybookAlerts.ACCOUNT_ID)
                    + "/"
                    + r.getAs(PlaybookAlerts.STATUS))
        .collect(Collectors.toList());
  }

  private static Row alertOf(Dataset<Row> alerts, String rule) {
    return alerts.where(alerts.col(PlaybookAlerts.RULE).equalTo(rule)).first();
  }

  private static String sha256(String text) throws Exception {
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest);
  }

  // --- the default rules ------------------------------------------------------------------------

  @Test
  void eachDefaultRuleFiresOnItsRowAndNotOnTheControlOrNulls() {
    Dataset<Row> alerts = Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, noAlerts(), RUN_1);

    assertThat(ruleAndAccount(alerts))
        .containsExactlyInAnyOrder(
            "health_drop/health_drop/open",
            "high_risk_large_account/high_risk_large_account/open",
            "champion_left/champion_left/open",
            "nps_detractor/nps_detractor/open",
            "usage_down_40/usage_down_40/open",
            "renewal_at_risk/renewal_at_risk/open");
    assertThat(alerts.schema().fields())
        .extracting(f -> f.name() + " " + f.dataType().simpleString())
        .containsExactly(
            Arrays.stream(PlaybookAlerts.SCHEMA.fields())
                .map(f -> f.name() + " " + f.dataType().simpleString())
                .toArray(String[]::new));
  }

  @Test
  void alertsCarryOwnerSnapshotRuleAndTriggerValues() throws Exception {
    Dataset<Row> alerts =
        Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, noAlerts(), RUN_1).cache();

    Row large = alertOf(alerts, "high_risk_large_account");
    assertThat(large.<String>getAs(PlaybookAlerts.SEVERITY)).isEqualTo("high");
    assertThat(large.<String>getAs(PlaybookAlerts.ACTION)).isEqualTo(defaults.get(1).action());
    assertThat(large.<String>getAs(PlaybookAlerts.CSM_ID)).isEqualTo("csm-high_risk_large_account");
    assertThat(large.<Date>getAs(PlaybookAlerts.AS_OF_DATE)).isEqualTo(DAY_1);
    assertThat(large.<Timestamp>getAs(PlaybookAlerts.OPENED_AT)).isEqualTo(RUN_1);
    assertThat(large.<Object>getAs(PlaybookAlerts.CLOSED_AT)).isNull();
    assertThat(large.<String>getAs(PlaybookAlerts.ALERT_ID))
        .isEqualTo(sha256("high_risk_large_account|high_risk_large_account|2026-01-31"));
    assertThat(large.getJavaMap(large.fieldIndex(PlaybookAlerts.TRIGGER_VALUES)))
        .containsOnly(entry("risk_band", "high"), entry("mrr_percentile", "0.8"));

    Row renewal = alertOf(alerts, "renewal_at_risk");
    assertThat(renewal.getJavaMap(renewal.fieldIndex(PlaybookAlerts.TRIGGER_VALUES)))
        .containsOnly(
            entry("months_to_renewal", "1.5"),
            entry("billing_period_months", "12"),
            entry("health_band", "yellow"));
    Row champion = alertOf(alerts, "champion_left");
    assertThat(champion.getJavaMap(champion.fieldIndex(PlaybookAlerts.TRIGGER_VALUES)))
        .containsOnly(entry("champion_left_90d", "1"));
    Row nps = alertOf(alerts, "nps_detractor");
    assertThat(nps.<String>getAs(PlaybookAlerts.SEVERITY)).isEqualTo("medium");
    assertThat(nps.getJavaMap(nps.fieldIndex(PlaybookAlerts.TRIGGER_VALUES)))
        .containsOnly(entry("last_nps", "6"));
    alerts.unpersist();
  }

  // --- lifecycle --------------------------------------------------------------------------------

  @Test
  void evaluatingAgainOpensNothingNewWhileTheRuleHolds() {
    Dataset<Row> first = Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, noAlerts(), RUN_1);
    Dataset<Row> table = merge(noAlerts(), first);

    Dataset<Row> sameSnapshot =
        Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, table, RUN_2);
    Dataset<Row> nextSnapshot =
        Playbooks.evaluate(frame(onePerRule(DAY_2)), defaults, table, RUN_2);

    assertThat(sameSnapshot.count()).isZero();
    assertThat(nextSnapshot.count()).isZero();
  }

  @Test
  void anAlertClosesWhenTheRuleStopsHoldingAndAReturnOpensANewOne() {
    List<Rule> rules = List.of(defaults.get(2)); // champion_left
    Dataset<Row> opened =
        Playbooks.evaluate(
            frame(Collections.singletonList(with(control("a", DAY_1), "champion_left_90d", 1))),
            rules,
            noAlerts(),
            RUN_1);
    Dataset<Row> table = merge(noAlerts(), opened);
    String firstId = opened.first().getAs(PlaybookAlerts.ALERT_ID);

    Dataset<Row> closing =
        Playbooks.evaluate(
            frame(Collections.singletonList(control("a", DAY_2))), rules, table, RUN_2);
    List<Row> closed = rows(closing);
    assertThat(closed).hasSize(1);
    assertThat(closed.get(0).<String>getAs(PlaybookAlerts.ALERT_ID)).isEqualTo(firstId);
    assertThat(closed.get(0).<String>getAs(PlaybookAlerts.STATUS)).isEqualTo("closed");
    assertThat(closed.get(0).<Timestamp>getAs(PlaybookAlerts.CLOSED_AT)).isEqualTo(RUN_2);
    assertThat(closed.get(0).<Timestamp>getAs(PlaybookAlerts.OPENED_AT)).isEqualTo(RUN_1);
    assertThat(closed.get(0).<Date>getAs(PlaybookAlerts.AS_OF_DATE)).isEqualTo(DAY_1);
    table = merge(table, closing);
    assertThat(
            Playbooks.evaluate(
                    frame(Collections.singletonList(control("a", DAY_2))), rules, table, RUN_2)
                .count())
        .as("a closed alert is not closed again")
        .isZero();

    Dataset<Row> reopened =
        Playbooks.evaluate(
            frame(Collections.singletonList(with(control("a", DAY_3), "champion_left_90d", 1))),
            rules,
            table,
            RUN_3);
    List<Row> again = rows(reopened);
    assertThat(again).hasSize(1);
    assertThat(again.get(0).<String>getAs(PlaybookAlerts.STATUS)).isEqualTo("open");
    assertThat(again.get(0).<String>getAs(PlaybookAlerts.ALERT_ID)).isNotEqualTo(firstId);
    assertThat(again.get(0).<Date>getAs(PlaybookAlerts.AS_OF_DATE)).isEqualTo(DAY_3);
    assertThat(ruleAndAccount(merge(table, reopened)))
        .containsExactly("champion_left/a/closed", "champion_left/a/open");
  }

  @Test
  void anAccountGoneFromTheSnapshotClosesItsAlertsButOtherRulesAlertsStay() {
    Dataset<Row> table =
        merge(
            noAlerts(), Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, noAlerts(), RUN_1));

    // Only champion_left is evaluated (say the others were skipped): only its alerts may close.
    Dataset<Row> changes =
        Playbooks.evaluate(
            frame(Collections.singletonList(control("control", DAY_2))),
            List.of(defaults.get(2)),
            table,
            RUN_2);

    assertThat(ruleAndAccount(changes)).containsExactly("champion_left/champion_left/closed");
  }

  @Test
  void account360IsReadOnceForAllRules() {
    Dataset<Row> table =
        merge(
            noAlerts(), Playbooks.evaluate(frame(onePerRule(DAY_1)), defaults, noAlerts(), RUN_1));

    String plan =
        Playbooks.evaluate(frame(onePerRule(DAY_2)), defaults, table, RUN_2)
            .queryExecution()
            .executedPlan()
            .toString();

    assertThat(plan.split("LocalTableScan", -1)).as(plan).hasSize(2);
  }

  @Test
  void championLeftAlsoWorksOnABooleanColumn() {
    Dataset<Row> account360 =
        frame(onePerRule(DAY_1))
            .withColumn(
                "champion_left_90d",
                org.apache
                    .spark
                    .sql
                    .functions
                    .col("champion_left_90d")
                    .cast(DataTypes.BooleanType));
    List<Rule> rules = List.of(defaults.get(2));

    assertThat(Playbooks.validate(spark, rules, account360.schema()).rules()).isEqualTo(rules);
    List<Row> alerts = rows(Playbooks.evaluate(account360, rules, noAlerts(), RUN_1));
    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).getJavaMap(alerts.get(0).fieldIndex(PlaybookAlerts.TRIGGER_VALUES)))
        .containsOnly(entry("champion_left_90d", "true"));
  }

  @Test
  void withoutACsmColumnTheOwnerIsNull() {
    Dataset<Row> account360 =
        frame(Collections.singletonList(with(control("a", DAY_1), "last_nps", 3))).drop("csm_id");

    List<Row> alerts =
        rows(Playbooks.evaluate(account360, List.of(defaults.get(3)), noAlerts(), RUN_1));

    assertThat(alerts).hasSize(1);
    assertThat(alerts.get(0).<Object>getAs(PlaybookAlerts.CSM_ID)).isNull();
  }

  // --- validation -------------------------------------------------------------------------------

  @Test
  void theDefaultRulesValidateAgainstAccount360() {
    Playbooks.Validated validated = Playbooks.validate(spark, defaults, ACCOUNT_360);

    assertThat(validated.rules()).isEqualTo(defaults);
    assertThat(validated.skipped()).isEmpty();
  }

  private static CslakeException refusal(String when) {
    Rule rule = new Rule("sneaky", when, "high", "Nothing.");
    CslakeException e =
        catchThrowableOfType(
            CslakeException.class, () -> Playbooks.validate(spark, List.of(rule), ACCOUNT_360));
    assertThat(e).as("a configuration error for " + when).isNotNull();
    assertThat(e.exitCode()).isEqualTo(CslakeException.USAGE);
    assertThat(e.getMessage())
        .startsWith("Cannot use playbook rule 'sneaky' (cslake.playbooks.rules");
    return e;
  }

  @Test
  void javaMethodInWhenIsRefusedNamingTheRule() {
    assertThat(
            refusal("java_method('java.lang.System', 'exit', 0) IS NULL OR mrr > 0").getMessage())
        .contains("it calls 'java_method'");
  }

  @ParameterizedTest
  @MethodSource("io.cslake.HostileExpressions#all")
  void everyHostileConditionIsRefusedNamingTheRule(String when, String mention) {
    assertThat(refusal(when).getMessage()).contains(mention);
    // the whole rule list is guarded before score writes anything
    Rule rule = new Rule("sneaky", when, "high", "none");
    CslakeException e =
        catchThrowableOfType(CslakeException.class, () -> Playbooks.guard(spark, List.of(rule)));
    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("sneaky").contains(mention);
  }

  @Test
  void aSubqueryInWhenIsRefusedNamingTheRule() {
    assertThat(refusal("mrr > (SELECT 1)").getMessage()).contains("subquery");
  }

  @Test
  void nonBooleanAggregateOrRandomWhenIsRefused() {
    assertThat(refusal("mrr + 1").getMessage()).contains("not a boolean");
    assertThat(refusal("rand() > 0.5").getMessage()).contains("not deterministic");
    assertThat(refusal("max(mrr) > 1").getMessage()).contains("sneaky");
    assertThat(refusal("mrr >").getMessage()).contains("not a valid Spark SQL expression");
  }

  @Test
  void aRuleReadingAMissingColumnIsSkippedWithTheColumnNamed() {
    Rule csat = new Rule("low_csat", "csat_mean_90d < 3 AND mrr > 100", "low", "Call.");
    List<Rule> rules = new ArrayList<>(defaults);
    rules.add(csat);

    Playbooks.Validated validated =
        Playbooks.validate(spark, rules, ACCOUNT_360.add("unused", DataTypes.StringType));

    assertThat(validated.rules()).isEqualTo(defaults);
    assertThat(validated.skipped()).hasSize(1);
    Playbooks.Skipped skipped = validated.skipped().get(0);
    assertThat(skipped.rule()).isEqualTo(csat);
    assertThat(skipped.missingColumns()).containsExactly("csat_mean_90d");
    assertThat(skipped.reason()).contains("'low_csat'").contains("csat_mean_90d");
    assertThat(
            Playbooks.evaluate(frame(onePerRule(DAY_1)), validated.rules(), noAlerts(), RUN_1)
                .count())
        .isEqualTo(6);
  }

  @Test
  void currentDateIsNotAMissingColumn() {
    Rule stale = new Rule("stale", "datediff(current_date, as_of_date) > 100000", "low", "Look.");

    Playbooks.Validated validated = Playbooks.validate(spark, List.of(stale), ACCOUNT_360);

    assertThat(validated.rules()).containsExactly(stale);
    assertThat(
            Playbooks.evaluate(frame(onePerRule(DAY_1)), validated.rules(), noAlerts(), RUN_1)
                .count())
        .isZero();
  }

  @Test
  void referencesAreTheColumnsTheExpressionReads() throws Exception {
    Map<String, List<String>> references =
        Playbooks.references(
            spark
                .sessionState()
                .sqlParser()
                .parseExpression("a > 1 AND (B < 2 OR coalesce(a, c.d) IS NULL)"));

    assertThat(references.keySet()).containsExactly("a", "b", "c.d");
  }
}
