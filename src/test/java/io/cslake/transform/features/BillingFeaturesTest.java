package io.cslake.transform.features;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.Frames;
import io.cslake.SparkTestBase;
import io.cslake.contract.Source;
import java.math.BigDecimal;
import java.sql.Date;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * Hand-worked billing features at 2024-03-31 (90 days back: Jan 1) and 2024-06-30 (Apr 1), USD. EUR
 * is worth 1.10 from Mar 1 and 1.20 from Jun 1 (the Feb 15 rate 1.05 is never a month's first-day
 * rate here).
 *
 * <ul>
 *   <li>A: 100 USD monthly from Jan 1 (5 seats, pro); an add-on 50 from May 10 to Jun 15 (not in
 *       force on Jun 30). Invoices: Jan 1 failed (outside Mar 31's window, which starts after Jan
 *       1), Mar 5 paid, Apr 5 overdue, Jun 5 failed, Jul 5 failed (after both dates). Next term end
 *       Apr 1 from Mar 31 (months_between: 1 − 30/31) and Jul 1 from Jun 30 (1 − 29/31: Spark
 *       counts the day difference in 31sts of a month).
 *   <li>B: 1200 EUR per 12 months from Feb 1 (10 seats, annual): 110 on Mar 31, 120 on Jun 30; on
 *       Jun 30 its Apr 1 value is taken at June's rate too, so the change is 0. Next renewal Feb 1
 *       2025: months_between gives 11 − 30/31 from Mar 31 and 8 − 29/31 from Jun 30.
 *   <li>C: 80 USD from Jan 1 to May 1 (basic): in force on Mar 31 only; its renewal comes from the
 *       start (Apr 1), not the recorded end.
 *   <li>D: 40 USD from Apr 15 (basic): on Jun 30 76 days old, 90 days back it did not exist (change
 *       null), next term end Jul 15: 1 − 15/31 months.
 * </ul>
 */
class BillingFeaturesTest extends SparkTestBase {

  @Test
  void featuresFollowTheHandCalculation() {
    Dataset<Row> features =
        BillingFeatures.compute(
            subscriptions(List.of()),
            fx(),
            invoices(List.of()),
            OrganizationFeaturesTest.snapshots(),
            "usd");
    assertThat(render(features))
        .containsExactly(
            "A 2024-03-31 100.000000 0.000000 5 90 1 0.032258 pro 1 0",
            "A 2024-06-30 100.000000 0.000000 5 181 1 0.064516 pro 2 2",
            "B 2024-03-31 110.000000 null 10 59 12 10.032258 annual 0 0",
            "B 2024-06-30 120.000000 0.000000 10 150 12 7.064516 annual 0 0",
            "C 2024-03-31 80.000000 0.000000 0 90 1 0.032258 basic 0 0",
            "D 2024-06-30 40.000000 null 0 76 1 0.516129 basic 0 0");
  }

  @Test
  void dataAfterTheAsOfDateChangesNothing() {
    Dataset<Row> before =
        BillingFeatures.compute(
                subscriptions(List.of()),
                fx(),
                invoices(List.of()),
                OrganizationFeaturesTest.snapshots(),
                "USD")
            .filter(col(BillingFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf("2024-03-31"))));
    // Later: C's end moves out (recorded after the date), a new account and line, a failed
    // invoice in April, a new EUR rate in April.
    List<Row> moreLines =
        List.of(
            line("C", "2024-01-01", "2024-09-01", "80", null, null, "basic", null),
            line("E", "2024-04-10", null, "70", null, null, "pro", null));
    Dataset<Row> subs =
        subscriptions(moreLines)
            .filter(
                col("account_id")
                    .notEqual(lit("C"))
                    .or(col("end_date").equalTo(lit(Date.valueOf("2024-09-01")))));
    Dataset<Row> after =
        BillingFeatures.compute(
                subs,
                fx().unionByName(
                        spark.createDataFrame(
                            List.of(
                                RowFactory.create(
                                    Date.valueOf("2024-04-01"), "EUR", new BigDecimal("2.0"))),
                            Frames.contractSchema(Source.FX_RATES))),
                invoices(List.of(invoice("i9", "A", "2024-04-20 10:00:00", "failed"))),
                OrganizationFeaturesTest.snapshots(),
                "USD")
            .filter(col(BillingFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf("2024-03-31"))));
    assertThat(render(after)).isEqualTo(render(before)).hasSize(3);
  }

  private static List<String> render(Dataset<Row> features) {
    List<String> out = new ArrayList<>();
    for (Row r :
        features.orderBy(BillingFeatures.ACCOUNT_ID, BillingFeatures.AS_OF_DATE).collectAsList()) {
      out.add(
          String.join(
              " ",
              r.getAs(BillingFeatures.ACCOUNT_ID).toString(),
              r.getAs(BillingFeatures.AS_OF_DATE).toString(),
              number(r.getAs(BillingFeatures.MRR)),
              number(r.getAs(BillingFeatures.MRR_CHANGE_90D)),
              String.valueOf((Object) r.getAs(BillingFeatures.SEATS)),
              String.valueOf((Object) r.getAs(BillingFeatures.TENURE_DAYS)),
              String.valueOf((Object) r.getAs(BillingFeatures.BILLING_PERIOD_MONTHS)),
              number(r.getAs(BillingFeatures.MONTHS_TO_RENEWAL)),
              String.valueOf((Object) r.getAs(BillingFeatures.PLAN)),
              String.valueOf((Object) r.getAs(BillingFeatures.INVOICES_90D)),
              String.valueOf((Object) r.getAs(BillingFeatures.FAILED_INVOICES_90D))));
    }
    return out;
  }

  private static String number(Double value) {
    return value == null ? "null" : String.format(Locale.ROOT, "%.6f", value);
  }

  private static Dataset<Row> subscriptions(List<Row> more) {
    List<Row> rows =
        new ArrayList<>(
            List.of(
                line("A", "2024-01-01", null, "100", null, 5, "pro", "USD"),
                line("A", "2024-05-10", "2024-06-15", "50", null, null, "addon", "USD"),
                line("B", "2024-02-01", null, null, "1200", 10, "annual", "eur"),
                line("C", "2024-01-01", "2024-05-01", "80", null, null, "basic", null),
                line("D", "2024-04-15", null, "40", null, null, "basic", "USD")));
    rows.addAll(more);
    return spark.createDataFrame(rows, Frames.contractSchema(Source.SUBSCRIPTIONS));
  }

  private static Row line(
      String account,
      String start,
      String end,
      String mrr,
      String annualAmount,
      Integer seats,
      String plan,
      String currency) {
    return RowFactory.create(
        account,
        Date.valueOf(start),
        end == null ? null : Date.valueOf(end),
        mrr == null ? null : new BigDecimal(mrr),
        annualAmount == null ? null : new BigDecimal(annualAmount),
        annualAmount == null ? null : 12,
        account + start,
        "core",
        plan,
        seats,
        currency);
  }

  private static Dataset<Row> fx() {
    return spark.createDataFrame(
        List.of(
            RowFactory.create(Date.valueOf("2024-02-15"), "EUR", new BigDecimal("1.05")),
            RowFactory.create(Date.valueOf("2024-03-01"), "EUR", new BigDecimal("1.10")),
            RowFactory.create(Date.valueOf("2024-06-01"), "EUR", new BigDecimal("1.20"))),
        Frames.contractSchema(Source.FX_RATES));
  }

  private static Dataset<Row> invoices(List<Row> more) {
    List<Row> rows =
        new ArrayList<>(
            List.of(
                invoice("i1", "A", "2024-01-01 10:00:00", "failed"),
                invoice("i2", "A", "2024-03-05 10:00:00", "paid"),
                invoice("i3", "A", "2024-04-05 10:00:00", "Overdue"),
                invoice("i4", "A", "2024-06-05 10:00:00", "failed"),
                invoice("i5", "A", "2024-07-05 10:00:00", "failed")));
    rows.addAll(more);
    return spark.createDataFrame(rows, Frames.contractSchema(Source.INVOICES));
  }

  private static Row invoice(String id, String account, String issued, String status) {
    return RowFactory.create(
        id, account, Timestamp.valueOf(issued), new BigDecimal("100"), status, "USD");
  }
}
