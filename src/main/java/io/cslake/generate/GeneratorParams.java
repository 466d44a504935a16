package io.cslake.generate;

import io.cslake.CslakeException;
import io.cslake.contract.Source;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What to generate: how many accounts over how many months from which first day, with which seed,
 * how much usage, in which format, where, and which optional sources to leave out. Validated on
 * construction; every guard says how to fix the value.
 *
 * @param accounts number of accounts (at least 1)
 * @param months number of calendar months of data (1 to 120)
 * @param start first day of data; must be the first day of a month
 * @param seed the seed: same seed and parameters give the same content
 * @param eventsScale multiplies the volume of usage events (1.0 = realistic: tens to thousands of
 *     events per account and day)
 * @param format output table format
 * @param out output folder (any Hadoop URI); {@code <out>/<source>/} and {@code <out>/_truth/}
 * @param without optional sources that are not written
 */
public record GeneratorParams(
    long accounts,
    int months,
    LocalDate start,
    long seed,
    double eventsScale,
    Format format,
    String out,
    Set<Source> without)
    implements Serializable {

  public static final long DEFAULT_ACCOUNTS = 500;
  public static final int DEFAULT_MONTHS = 24;
  public static final LocalDate DEFAULT_START = LocalDate.of(2024, 11, 1);
  public static final long DEFAULT_SEED = 42;
  public static final double DEFAULT_EVENTS_SCALE = 1.0;

  /** Output table formats. */
  public enum Format {
    PARQUET,
    DELTA;

    public String id() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public GeneratorParams {
    if (accounts < 1) {
      throw CslakeException.usage(
          "Cannot generate " + accounts + " accounts: --accounts must be at least 1.");
    }
    if (months < 1 || months > 120) {
      throw CslakeException.usage(
          "Cannot generate " + months + " months: --months must be between 1 and 120.");
    }
    if (start == null || start.getDayOfMonth() != 1) {
      throw CslakeException.usage(
          "Cannot start the data on "
              + start
              + ": --start must be the first day of a month, e.g. 2024-11-01.");
    }
    if (!(eventsScale > 0) || eventsScale > 1000 || Double.isInfinite(eventsScale)) {
      throw CslakeException.usage(
          "Cannot scale usage events by "
              + eventsScale
              + ": --events-scale must be a number above 0 and at most 1000, e.g. 0.05.");
    }
    if (out == null || out.isBlank()) {
      throw CslakeException.usage("Cannot generate without an output folder: give --out PATH.");
    }
    if (format == null) {
      format = Format.PARQUET;
    }
    without = without == null || without.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(without));
    if (without.contains(Source.ACCOUNTS)) {
      throw CslakeException.usage(
          "Cannot generate --without accounts: accounts is required by the contract; leave out"
              + " only optional sources.");
    }
    if (without.contains(Source.SUBSCRIPTIONS) && without.contains(Source.TRANSACTIONS)) {
      throw CslakeException.usage(
          "Cannot generate --without both subscriptions and transactions: the contract needs at"
              + " least one of them; keep one.");
    }
  }

  /** The defaults of {@code cslake generate} writing to {@code out}. */
  public static GeneratorParams defaults(String out) {
    return new GeneratorParams(
        DEFAULT_ACCOUNTS,
        DEFAULT_MONTHS,
        DEFAULT_START,
        DEFAULT_SEED,
        DEFAULT_EVENTS_SCALE,
        Format.PARQUET,
        out,
        Set.of());
  }

  /** The first day after the data: no generated timestamp is on or after it. */
  public LocalDate end() {
    return start.plusMonths(months);
  }

  /** Whether {@code source} is written. */
  public boolean includes(Source source) {
    return !without.contains(source);
  }

  public GeneratorParams withAccounts(long n) {
    return new GeneratorParams(n, months, start, seed, eventsScale, format, out, without);
  }

  public GeneratorParams withMonths(int m) {
    return new GeneratorParams(accounts, m, start, seed, eventsScale, format, out, without);
  }

  public GeneratorParams withSeed(long s) {
    return new GeneratorParams(accounts, months, start, s, eventsScale, format, out, without);
  }

  public GeneratorParams withEventsScale(double x) {
    return new GeneratorParams(accounts, months, start, seed, x, format, out, without);
  }

  public GeneratorParams withFormat(Format f) {
    return new GeneratorParams(accounts, months, start, seed, eventsScale, f, out, without);
  }

  public GeneratorParams withOut(String path) {
    return new GeneratorParams(accounts, months, start, seed, eventsScale, format, path, without);
  }

  public GeneratorParams withStart(LocalDate day) {
    return new GeneratorParams(accounts, months, day, seed, eventsScale, format, out, without);
  }

  public GeneratorParams without(Set<Source> sources) {
    return new GeneratorParams(accounts, months, start, seed, eventsScale, format, out, sources);
  }

  @Override
  public String toString() {
    return "accounts="
        + accounts
        + " months="
        + months
        + " start="
        + start
        + " seed="
        + seed
        + " events-scale="
        + eventsScale
        + " format="
        + format.id()
        + " out="
        + out
        + (without.isEmpty()
            ? ""
            : " without="
                + without.stream().map(Source::id).sorted().collect(Collectors.joining(",")));
  }
}
