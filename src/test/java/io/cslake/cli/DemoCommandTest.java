package io.cslake.cli;

import static io.cslake.SparkTestBase.newDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cslake.CslakeException;
import io.cslake.TestConfigs;
import io.cslake.config.CslakeConfig;
import org.junit.jupiter.api.Test;

/**
 * Where {@code cslake demo} finds its sample. The demo itself runs twice in the test command: on a
 * generated dataset as the reference run of {@code DistributedRunIT} (every generated row ingested,
 * nothing quarantined, the summary's lines and headline checked), and as {@code bin/cslake demo} on
 * the bundled sample, whose lakehouse the notebooks and the dashboard test read.
 */
class DemoCommandTest {
  @Test
  void theDemoNeedsAGeneratedLayout() {
    assertThatThrownBy(() -> DemoCommand.sampleFolder(TestConfigs.of(newDir("no-sources"))))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("cslake.sources.accounts.path is not set");
    CslakeConfig foreign =
        TestConfigs.of(newDir("foreign"), "cslake.sources.accounts.path=/data/crm/customers");
    assertThatThrownBy(() -> DemoCommand.sampleFolder(foreign))
        .isInstanceOf(CslakeException.class)
        .hasMessageContaining("/data/crm/customers")
        .hasMessageContaining("<folder>/accounts");
    CslakeConfig sample =
        TestConfigs.of(newDir("sample"), "cslake.sources.accounts.path=/x/sample/accounts");
    assertThat(DemoCommand.sampleFolder(sample)).isEqualTo("/x/sample");
  }
}
