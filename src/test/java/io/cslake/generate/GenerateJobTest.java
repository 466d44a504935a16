package io.cslake.generate;

import static org.apache.spark.sql.functions.add_months;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_sub;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.trunc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.SparkTestBase;
import io.cslake.cli.Main;
import io.cslake.contract.Field;
import io.cslake.contract.FieldType;
import io.cslake.contract.Source;
import io.cslake.job.GenerateJob;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generator end to end: shape of every written source against the contract, determinism, the
 * planted churn relationships measured from the written tables, and switching sources off.
 */
class GenerateJobTest extends SparkTestBase {
  private static final LocalDate START = LocalDate.of(2024, 11, 1);
  private static final int MONTHS = 18;
  private static GeneratorParams main;
  private static Map<String, Long> mainCounts;

  @BeforeAll
  static void generateMain() {
    main =
        GeneratorParams.defaults(newDir("generated").toString())
            .withAccounts(320)
            .withMonths(MONTHS)
            .withStart(START)
            .withSeed(11)
            .withEventsScale(0.01);
    mainCounts = GenerateJob.run(spark, main);
  }

  private static Dataset<Row> read(GeneratorParams params, String table) {
    return spark.read().parquet(params.out() + "/" + table);
  }

  private static final Map<String, Dataset<Row>> MAIN_TABLES = new java.util.HashMap<>();

  /** A table of the main dataset, read once: listing hundreds of event-date folders is not free. */
  private static Dataset<Row> read(Source source) {
    return MAIN_TABLES.computeIfAbsent(source.id(), id -> read(main, id).cache());
  }

  @Test
  void writesEverySourceAndTheTruthWithRows() {
    for (Source source : Source.values()) {
      assertThat(mainCounts).containsKey(source.id());
      assertThat(mainCounts.get(source.id())).as(source.id()).isPositive();
    }
    assertThat(mainCounts.get("_truth/accounts")).isEqualTo(main.accounts());
    assertThat(mainCounts.get("accounts")).isEqualTo(main.accounts());
    assertThat(mainCounts.get("_truth/account_months")).isPositive();
  }

  @Test
  void everySourceHasTheContractFieldsTypesAndRequiredValues() {
    for (Source source : Source.values()) {
      Dataset<Row> table = read(source);
      for (Field field : source.fields()) {
        assertThat(table.columns()).as(source.id()).contains(field.name());
        DataType type = table.schema().apply(field.name()).dataType();
        assertThat(field.type().accepts(type)).as(source.id() + "." + field.name()).isTrue();
        assertThat(type).as(source.id() + "." + field.name()).isEqualTo(field.type().sparkType());
        if (field.required()) {
          assertThat(table.where(col(field.name()).isNull()).count())
              .as("nulls in required " + source.id() + "." + field.name())
              .isZero();
        }
      }
    }
    assertThat(read(Source.ACCOUNTS).columns())
        .contains("plan", "contract_type", "payment_method", "segment", "csm_id");
  }

  @Test
  void valuesStayWithinTheirScalesAndPeriods() {
    Dataset<Row> surveys = read(Source.SURVEYS);
    assertThat(surveys.where("survey_type = 'nps' and (score < 0 or score > 10)").count()).isZero();
    assertThat(
            surveys
                .where("survey_type in ('csat','onboarding') and (score < 1 or score > 5)")
                .count())
        .isZero();
    assertThat(surveys.where("survey_type not in ('nps','csat','onboarding')").count()).isZero();
    assertThat(read(Source.SUPPORT_TICKETS).where("csat < 1 or csat > 5").count()).isZero();

    Dataset<Row> subscriptions = read(Source.SUBSCRIPTIONS);
    assertThat(subscriptions.where("mrr <= 0 or amount <= 0").count()).isZero();
    assertThat(
            subscriptions
                .where("mrr is null and (amount is null or billing_period_months is null)")
                .count())
        .isZero();
    assertThat(subscriptions.where("end_date < start_date").count()).isZero();
    assertThat(read(Source.INVOICES).where("amount <= 0").count()).isZero();
    assertThat(read(Source.TRANSACTIONS).where("amount <= 0").count()).isZero();
    Dataset<Row> tickets = read(Source.SUPPORT_TICKETS);
    assertThat(tickets.where("first_response_at < created_at or resolved_at < created_at").count())
        .isZero();
    assertThat(read(Source.CONTACTS).where("ended_at < started_at").count()).isZero();
    assertThat(read(Source.REFERRALS).where("converted_at < referred_at").count()).isZero();
    assertThat(
            read(Source.CONTACTS)
                .where("role not in ('champion','decision_maker','admin','user')")
                .count())
        .isZero();

    Timestamp end = Timestamp.valueOf(main.end().atStartOfDay());
    Date endDate = Date.valueOf(main.end());
    for (Source source : Source.values()) {
      Dataset<Row> table = read(source);
      for (Field field : source.fields()) {
        if (field.type() == FieldType.TIMESTAMP) {
          assertThat(table.where(col(field.name()).geq(lit(end))).count())
              .as("timestamps after the period in " + source.id() + "." + field.name())
              .isZero();
        }
      }
    }
    assertThat(subscriptions.where(col("start_date").geq(lit(endDate))).count()).isZero();
    assertThat(read(Source.FX_RATES).where(col("date").geq(lit(endDate))).count()).isZero();
  }

  @Test
  void factsReferenceAccountsAndNaturalKeysAreUnique() {
    Dataset<Row> accounts = read(Source.ACCOUNTS);
    for (Source source : Source.values()) {
      Dataset<Row> table = read(source);
      if (source.referencesAccounts()) {
        assertThat(
                table
                    .join(
                        accounts,
                        table.col("account_id").equalTo(accounts.col("account_id")),
                        "left_anti")
                    .count())
            .as("orphans in " + source.id())
            .isZero();
      }
      Column[] key = source.naturalKey().stream().map(c -> col(c)).toArray(Column[]::new);
      assertThat(table.groupBy(key).count().where("count > 1").count())
          .as("duplicate natural keys in " + source.id())
          .isZero();
    }
  }

  @Test
  void everyBillingCurrencyHasADailyRateAndUsdIsOne() {
    Dataset<Row> fx = read(Source.FX_RATES);
    long days = main.end().toEpochDay() - main.start().toEpochDay();
    Dataset<Row> used =
        read(Source.SUBSCRIPTIONS)
            .select("currency")
            .union(read(Source.INVOICES).select("currency"))
            .distinct();
    Dataset<Row> perCurrency = fx.groupBy("currency").count();
    assertThat(used.join(perCurrency, "currency").where(col("count").equalTo(days)).count())
        .isEqualTo(used.count());
    assertThat(used.count()).isGreaterThan(2);
    assertThat(fx.where("currency = 'USD' and rate_to_reporting != 1").count()).isZero();
    assertThat(fx.where("currency = 'USD'").count()).isEqualTo(days);
  }

  @Test
  void churnedAccountsStopPayingAtTheirTruthChurnMonthWithAChurnEvent() {
    Dataset<Row> truth = read(main, "_truth/accounts").where("churn_month is not null");
    Dataset<Row> events = read(Source.CHURN_EVENTS);
    Dataset<Row> firstEvent = events.groupBy("account_id").agg(min("churned_at").as("first_churn"));
    Dataset<Row> ends = read(Source.SUBSCRIPTIONS).select("account_id", "end_date");
    long churned = truth.count();
    assertThat(churned).isGreaterThan(main.accounts() / 10);
    Dataset<Row> matched =
        truth
            .join(firstEvent, "account_id")
            .where(add_months(trunc(col("first_churn"), "month"), 1).equalTo(col("churn_month")));
    assertThat(matched.count()).isEqualTo(churned);
    assertThat(
            truth
                .join(
                    ends,
                    truth
                        .col("account_id")
                        .equalTo(ends.col("account_id"))
                        .and(ends.col("end_date").equalTo(truth.col("churn_month"))),
                    "left_semi")
                .count())
        .isEqualTo(churned);
    assertThat(events.count())
        .isEqualTo(read(main, "_truth/accounts").agg(sum("churn_count")).first().getLong(0));
    // no line of a churned account runs past its churn month unless it started after it
    // (reactivation)
    Dataset<Row> lines = read(Source.SUBSCRIPTIONS);
    assertThat(
            lines
                .join(truth, "account_id")
                .where(
                    col("start_date")
                        .lt(col("churn_month"))
                        .and(col("end_date").isNull().or(col("end_date").gt(col("churn_month")))))
                .count())
        .isZero();
    assertThat(read(main, "_truth/accounts").where("reactivated").count()).isPositive();
  }

  @Test
  void churnedAccountsUseTheProductLessInTheir60DaysBeforeChurnThanSurvivors() {
    Dataset<Row> accounts = read(Source.ACCOUNTS).select("account_id", "created_at");
    Dataset<Row> daily =
        read(Source.USAGE_EVENTS)
            .groupBy(col("account_id"), to_date(col("event_time")).as("day"))
            .agg(count(lit(1)).as("events"));
    Dataset<Row> windows =
        read(Source.CHURN_EVENTS)
            .groupBy("account_id")
            .agg(min("churned_at").as("churned_at"))
            .withColumn("window_end", add_months(trunc(col("churned_at"), "month"), 1))
            .withColumn("window_start", date_sub(col("window_end"), 60))
            .join(accounts, "account_id")
            .where(to_date(col("created_at")).lt(col("window_start")));
    Dataset<Row> churnerEvents =
        windows
            .join(daily, "account_id")
            .where(col("day").geq(col("window_start")).and(col("day").lt(col("window_end"))))
            .groupBy("account_id")
            .agg(sum("events").as("events"));
    double churnerPerDay =
        windows
            .join(
                churnerEvents,
                windows.col("account_id").equalTo(churnerEvents.col("account_id")),
                "left")
            .agg(avg(org.apache.spark.sql.functions.coalesce(col("events"), lit(0)).divide(60)))
            .first()
            .getDouble(0);

    Dataset<Row> survivors = accounts.join(read(Source.CHURN_EVENTS), "account_id", "left_anti");
    Dataset<Row> days = daily.select("day").distinct();
    Dataset<Row> survivorDays =
        survivors.crossJoin(days).where(to_date(col("created_at")).lt(col("day")));
    Dataset<Row> survivorMean =
        survivorDays
            .join(daily, new String[] {"account_id", "day"}, "left")
            .groupBy("day")
            .agg(avg(org.apache.spark.sql.functions.coalesce(col("events"), lit(0))).as("mean"));
    double survivorPerDay =
        windows
            .join(
                survivorMean,
                col("day").geq(col("window_start")).and(col("day").lt(col("window_end"))))
            .groupBy("account_id")
            .agg(avg("mean").as("baseline"))
            .agg(avg("baseline"))
            .first()
            .getDouble(0);

    assertThat(windows.count()).isGreaterThanOrEqualTo(20);
    // churners' events per account-day are at most 60 % of survivors' in the same calendar windows
    assertThat(churnerPerDay).isLessThan(0.6 * survivorPerDay);
  }

  @Test
  void accountsWhoseChampionLeftChurnMoreOften() {
    Dataset<Row> accounts = read(Source.ACCOUNTS).select("account_id");
    Dataset<Row> churned = read(Source.CHURN_EVENTS).select("account_id").distinct();
    Dataset<Row> left =
        read(Source.CONTACTS)
            .where("role = 'champion' and ended_at is not null")
            .select("account_id")
            .distinct();
    double leftRate = rate(left.join(churned, "account_id", "left_semi").count(), left.count());
    Dataset<Row> others = accounts.join(left, "account_id", "left_anti");
    double otherRate =
        rate(others.join(churned, "account_id", "left_semi").count(), others.count());
    assertThat(left.count()).isGreaterThanOrEqualTo(20);
    // at least 1.4 times the churn rate of the others
    assertThat(leftRate).isGreaterThan(1.4 * otherRate);
  }

  @Test
  void detractorsChurnMoreThanPromoters() {
    Dataset<Row> nps = read(Source.SURVEYS).where("survey_type = 'nps'");
    Dataset<Row> latest =
        nps.withColumn(
                "n",
                row_number()
                    .over(Window.partitionBy("account_id").orderBy(col("responded_at").desc())))
            .where("n = 1");
    Dataset<Row> churned = read(Source.CHURN_EVENTS).select("account_id").distinct();
    Dataset<Row> detractors = latest.where("score <= 6");
    Dataset<Row> promoters = latest.where("score >= 9");
    double detractorRate =
        rate(detractors.join(churned, "account_id", "left_semi").count(), detractors.count());
    double promoterRate =
        rate(promoters.join(churned, "account_id", "left_semi").count(), promoters.count());
    assertThat(detractors.count()).isGreaterThanOrEqualTo(15);
    assertThat(promoters.count()).isGreaterThanOrEqualTo(15);
    // detractors churn at least twice as often as promoters
    assertThat(detractorRate).isGreaterThan(2.0 * promoterRate);
  }

  @Test
  void truthHazardIsHigherForAccountsWithFailedInvoices() {
    Dataset<Row> hazard =
        read(main, "_truth/account_months").groupBy("account_id").agg(avg("hazard").as("hazard"));
    Dataset<Row> failed =
        read(Source.INVOICES)
            .where("status in ('failed','overdue')")
            .select("account_id")
            .distinct();
    double withFailed =
        hazard.join(failed, "account_id", "left_semi").agg(avg("hazard")).first().getDouble(0);
    double without =
        hazard.join(failed, "account_id", "left_anti").agg(avg("hazard")).first().getDouble(0);
    assertThat(failed.count()).isGreaterThanOrEqualTo(10);
    // at least 1.3 times the mean monthly hazard of accounts without failed invoices
    assertThat(withFailed).isGreaterThan(1.3 * without);
  }

  @Test
  void truthNamesEveryPlantedCause() {
    Dataset<Row> causes =
        read(main, "_truth/account_months")
            .select(org.apache.spark.sql.functions.explode(col("causes")).as("cause"))
            .distinct();
    assertThat(causes.collectAsList().stream().map(r -> r.getString(0)))
        .contains(
            "usage_decline", "champion_left", "low_nps", "support_backlog", "failed_invoices");
    Dataset<Row> months = read(main, "_truth/account_months");
    assertThat(months.where("hazard <= 0 or hazard >= 1").count()).isZero();
    assertThat(months.where("churned_this_month").count())
        .isEqualTo(read(Source.CHURN_EVENTS).count());
  }

  @Test
  void sameSeedGivesTheSameContentAndAnotherSeedDiffers() {
    GeneratorParams small = main.withAccounts(50).withMonths(6).withEventsScale(0.01);
    SyntheticData.Generated a = SyntheticData.generate(spark, small);
    SyntheticData.Generated b = SyntheticData.generate(spark, small);
    SyntheticData.Generated c = SyntheticData.generate(spark, small.withSeed(12));
    for (Source source : Source.values()) {
      Dataset<Row> x = a.sources().get(source);
      Dataset<Row> y = b.sources().get(source);
      assertThat(x.exceptAll(y).count()).as(source.id()).isZero();
      assertThat(y.exceptAll(x).count()).as(source.id()).isZero();
    }
    for (String truth : a.truth().keySet()) {
      assertThat(a.truth().get(truth).exceptAll(b.truth().get(truth)).count()).isZero();
      assertThat(b.truth().get(truth).exceptAll(a.truth().get(truth)).count()).isZero();
    }
    for (Source source :
        new Source[] {Source.ACCOUNTS, Source.SUBSCRIPTIONS, Source.USAGE_EVENTS}) {
      assertThat(a.sources().get(source).count()).as(source.id()).isPositive();
      assertThat(a.sources().get(source).except(c.sources().get(source)).count())
          .as(source.id())
          .isPositive();
    }
  }

  @Test
  void writtenContentEqualsTheGeneratedDatasets() {
    SyntheticData.Generated again = SyntheticData.generate(spark, main);
    for (Source source : new Source[] {Source.SUBSCRIPTIONS, Source.SURVEYS, Source.CONTACTS}) {
      Dataset<Row> written = read(source);
      Dataset<Row> generated = again.sources().get(source);
      assertThat(written.exceptAll(generated).count()).as(source.id()).isZero();
      assertThat(generated.exceptAll(written).count()).as(source.id()).isZero();
    }
  }

  @Test
  void withoutExchangeRatesEveryAccountBillsInTheReportingCurrency() {
    GeneratorParams with =
        main.withAccounts(60).withMonths(3).withOut(newDir("with-fx").toString());
    GeneratorParams without =
        with.withOut(newDir("without-fx").toString()).without(EnumSet.of(Source.FX_RATES));
    GenerateJob.run(spark, with);
    GenerateJob.run(spark, without);
    Dataset<Row> currencies =
        read(without, "subscriptions")
            .select("currency")
            .union(read(without, "invoices").select("currency"))
            .distinct();
    assertThat(currencies.collectAsList()).extracting(r -> r.getString(0)).containsExactly("USD");
    // Billed in another currency when rates are written, so the switch is what made them USD.
    assertThat(read(with, "subscriptions").where("currency <> 'USD'").count()).isPositive();
    // The other attributes are drawn as before (the payment method follows the currency: SEPA is
    // for euros).
    assertThat(read(without, "accounts").drop("billing_currency", "payment_method").collectAsList())
        .containsExactlyInAnyOrderElementsOf(
            read(with, "accounts").drop("billing_currency", "payment_method").collectAsList());
  }

  @Test
  void sourcesSwitchedOffAreAbsent() throws Exception {
    Path out = newDir("without");
    Files.createDirectories(out.resolve("surveys").resolve("stale"));
    GeneratorParams params =
        main.withAccounts(20)
            .withMonths(3)
            .withOut(out.toString())
            .without(EnumSet.of(Source.SURVEYS, Source.SUPPORT_TICKETS, Source.SUBSCRIPTIONS));
    Map<String, Long> counts = GenerateJob.run(spark, params);
    assertThat(new File(out.toFile(), "surveys")).doesNotExist();
    assertThat(new File(out.toFile(), "support_tickets")).doesNotExist();
    assertThat(new File(out.toFile(), "subscriptions")).doesNotExist();
    assertThat(new File(out.toFile(), "accounts")).isDirectory();
    assertThat(new File(out.toFile(), "transactions")).isDirectory();
    assertThat(counts).doesNotContainKeys("surveys", "support_tickets", "subscriptions");
  }

  @Test
  void refusesToSwitchOffRequiredSources() {
    assertThatThrownBy(() -> main.without(Set.of(Source.ACCOUNTS)))
        .isInstanceOf(CslakeException.class)
        .hasMessageStartingWith("Cannot generate --without accounts");
    assertThatThrownBy(() -> main.without(Set.of(Source.SUBSCRIPTIONS, Source.TRANSACTIONS)))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("at least one of them");
    assertThatThrownBy(() -> main.withStart(LocalDate.of(2024, 11, 5)))
        .hasMessageStartingWith("Cannot start the data on 2024-11-05");
    assertThat(Main.run("generate", "--out", "/tmp/never", "--without", "accounts"))
        .isEqualTo(CslakeException.USAGE);
    assertThat(Main.run("generate", "--out", "/tmp/never", "--without", "nonsense"))
        .isEqualTo(CslakeException.USAGE);
  }

  private static double rate(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }
}
