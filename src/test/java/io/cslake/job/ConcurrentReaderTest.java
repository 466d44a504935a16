package io.cslake.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.generate.GeneratorParams;
import io.cslake.model.ChurnScorer;
import io.cslake.table.Lakehouse;
import io.cslake.transform.features.ChurnFeatures;
import io.cslake.transform.features.GeneratedSilver;
import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * A reader polling {@code gold/churn_risk_scores} in its own thread while {@code score} MERGEs a
 * date again with a newly trained model only ever sees whole versions: every as_of_date holds
 * exactly the accounts scored for it, all by one model in one run (one model_version, one
 * scored_at), first the old model's rows, then the new one's, never a mix.
 */
class ConcurrentReaderTest extends SparkTestBase {
  static final LocalDate AS_OF = LocalDate.of(2025, 6, 30);
  static final LocalDate EARLIER = LocalDate.of(2025, 5, 31);

  /** What one poll saw of one as_of_date. */
  record Seen(Date day, long rows, long accounts, long models, long runs, String model) {}

  @Test
  void aReaderSeesEitherTheOldOrTheNewScoresOfADateNeverAMix() throws Exception {
    GeneratorParams params =
        new GeneratorParams(
            600,
            8,
            LocalDate.of(2024, 11, 1),
            9,
            0.001,
            GeneratorParams.Format.PARQUET,
            "unused",
            Set.of());
    Path root = newDir("concurrent-reader");
    Lakehouse lakehouse = new Lakehouse(root.toString());
    GeneratedSilver.generate(spark, params).writeBillingOnly(lakehouse);
    CslakeConfig config =
        TestConfigs.of(
            root,
            "cslake.as-of=" + AS_OF,
            "cslake.features.history-months=4",
            "cslake.model.trees=10");
    FeaturesJob.run(JobContext.create(spark, config, "features"));
    String oldModel = TrainJob.run(JobContext.create(spark, config, "train")).version();
    ScoreJob.run(JobContext.create(spark, config, "score"));
    ScoreJob.run(
        JobContext.create(
            spark,
            TestConfigs.of(
                root,
                "cslake.as-of=" + EARLIER,
                "cslake.features.history-months=4",
                "cslake.model.trees=10"),
            "score"));
    // A second model: the next score of AS_OF replaces every row of the date with its scores.
    CslakeConfig other =
        TestConfigs.of(
            root,
            "cslake.as-of=" + AS_OF,
            "cslake.features.history-months=4",
            "cslake.model.trees=12");
    String newModel = TrainJob.run(JobContext.create(spark, other, "train")).version();
    assertThat(newModel).isNotEqualTo(oldModel);

    // The accounts of each date, from the features (not from the table under test).
    Map<Date, Long> expected = new TreeMap<>();
    for (LocalDate day : List.of(AS_OF, EARLIER)) {
      expected.put(
          Date.valueOf(day),
          spark
              .read()
              .format("delta")
              .load(lakehouse.gold(ChurnFeatures.TABLE))
              .filter(col(ChurnFeatures.AS_OF_DATE).equalTo(lit(Date.valueOf(day))))
              .count());
    }

    String path = lakehouse.gold(ChurnScorer.TABLE);
    List<List<Seen>> polls = new CopyOnWriteArrayList<>();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch firstPoll = new CountDownLatch(1);
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                boolean last = false;
                while (!last) {
                  last = done.get();
                  List<Seen> seen = new ArrayList<>();
                  // A fresh read resolves the table's latest version, as a dashboard would.
                  for (Row r :
                      spark
                          .read()
                          .format("delta")
                          .load(path)
                          .groupBy(ChurnScorer.AS_OF_DATE)
                          .agg(
                              count(lit(1)),
                              countDistinct(col(ChurnScorer.ACCOUNT_ID)),
                              countDistinct(col(ChurnScorer.MODEL_VERSION)),
                              countDistinct(col(ChurnScorer.SCORED_AT)),
                              first(col(ChurnScorer.MODEL_VERSION)))
                          .collectAsList()) {
                    seen.add(
                        new Seen(
                            r.getDate(0),
                            r.getLong(1),
                            r.getLong(2),
                            r.getLong(3),
                            r.getLong(4),
                            r.getString(5)));
                  }
                  polls.add(seen);
                  firstPoll.countDown();
                }
              } catch (Throwable t) {
                failures.add(t);
                firstPoll.countDown();
              }
            },
            "churn-risk-reader");
    reader.start();
    assertThat(firstPoll.await(5, TimeUnit.MINUTES)).isTrue();
    CompletableFuture<ScoreJob.Report> scoring =
        CompletableFuture.supplyAsync(
            () -> ScoreJob.run(JobContext.create(spark, config, "score")));
    ScoreJob.Report rescored = scoring.get(10, TimeUnit.MINUTES);
    done.set(true);
    reader.join(TimeUnit.MINUTES.toMillis(5));
    assertThat(failures).as("reader errors").isEmpty();
    assertThat(rescored.modelVersion()).isEqualTo(newModel);

    List<String> modelsSeen = new ArrayList<>();
    for (List<Seen> poll : polls) {
      assertThat(poll).as("every date in every poll").hasSize(expected.size());
      for (Seen s : poll) {
        long accounts = expected.get(s.day());
        assertThat(s.rows()).as(s + ": every account of the date, once").isEqualTo(accounts);
        assertThat(s.accounts()).as(s.toString()).isEqualTo(accounts);
        assertThat(s.models()).as(s + ": one model per date").isEqualTo(1);
        assertThat(s.runs()).as(s + ": one scoring run per date").isEqualTo(1);
        if (s.day().toLocalDate().equals(AS_OF)
            && (modelsSeen.isEmpty() || !modelsSeen.get(modelsSeen.size() - 1).equals(s.model()))) {
          modelsSeen.add(s.model());
        }
      }
    }
    System.out.printf(
        "concurrent reader: %d polls during the re-score; as_of %s by %s%n",
        polls.size(), AS_OF, modelsSeen);
    // The old scores, then the new ones, and never back.
    assertThat(modelsSeen).containsExactly(oldModel, newModel);
    assertThat(polls.size()).isGreaterThanOrEqualTo(5);
  }
}
