package io.cslake.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.cslake.SparkTestBase;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import io.cslake.contract.Source;
import io.cslake.generate.GeneratorParams;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every source the generator writes passes ingest untouched: nothing quarantined, nothing lost. */
class GeneratedDataIngestTest extends SparkTestBase {

  @Test
  void everyGeneratedSourcePassesIngestWithNothingQuarantined() {
    Path data = newDir("generated");
    GeneratorParams params =
        new GeneratorParams(
            80,
            14,
            LocalDate.of(2024, 11, 1),
            11,
            0.02,
            GeneratorParams.Format.PARQUET,
            data.toString(),
            Set.of());
    Map<String, Long> generated = GenerateJob.run(spark, params);

    List<String> sets = new ArrayList<>();
    sets.add("cslake.as-of=2026-01-31");
    for (Source source : Source.values()) {
      sets.add("cslake.sources." + source.id() + ".path=" + data.resolve(source.id()));
    }
    CslakeConfig config = TestConfigs.of(newDir("generated-lake"), sets.toArray(String[]::new));
    IngestJob.Report report = IngestJob.run(JobContext.create(spark, config, "ingest"));

    assertThat(report.skipped()).isEmpty();
    assertThat(report.sources()).hasSize(Source.values().length);
    for (IngestJob.SourceResult r : report.sources()) {
      String id = r.source().id();
      assertThat(r.counts().byRule()).as(id + " quarantined by rule").isEmpty();
      assertThat(r.counts().read()).as(id + " rows").isEqualTo(generated.get(id));
      assertThat(r.counts().accepted()).as(id + " accepted").isEqualTo(generated.get(id));
      assertThat(r.counts().read()).as(id + " is not empty").isPositive();
    }
  }
}
