package io.cslake.config;

import io.cslake.contract.Source;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where one input source lives and how its columns map to the contract (SPEC §4.2).
 *
 * @param source the contract source
 * @param path Hadoop URI; empty when the source is absent
 * @param format the reader format
 * @param options reader options, passed to Spark as they are
 * @param filter optional Spark SQL boolean over the source's columns
 * @param fields contract field to Spark SQL expression over the source's columns
 * @param attributes extra source columns kept as account attributes (accounts only)
 */
public record SourceConfig(
    Source source,
    Optional<String> path,
    Format format,
    Map<String, String> options,
    Optional<String> filter,
    Map<String, String> fields,
    List<String> attributes) {

  /** Input formats cslake reads. */
  public enum Format {
    PARQUET,
    DELTA,
    CSV,
    JSON;

    public String sparkName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public boolean isPresent() {
    return path.isPresent();
  }
}
