package io.cslake.config;

import java.util.regex.Pattern;

/**
 * One configuration layer the user gave, in command-line order: a {@code --conf} location (a local
 * path, or a URI read through Hadoop's FileSystem) or a {@code --conf-string} of inline HOCON.
 *
 * @param origin how errors name it: the location as given, or {@code --conf-string N}
 * @param location the {@code --conf} value, null for inline HOCON
 * @param hocon the {@code --conf-string} value, null for a location
 */
public record ConfSource(String origin, String location, String hocon) {
  /** A scheme and a slash ({@code s3a://}, {@code dbfs:/}, {@code file:///}): a Hadoop URI. */
  private static final Pattern URI_WITH_SCHEME =
      Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]+:/.*", Pattern.DOTALL);

  /** A {@code --conf} value. */
  public static ConfSource location(String location) {
    return new ConfSource(location, location, null);
  }

  /** The {@code ordinal}-th (from 1) {@code --conf-string}. */
  public static ConfSource inline(String hocon, int ordinal) {
    return new ConfSource("--conf-string " + ordinal, null, hocon);
  }

  /** Whether this is inline HOCON rather than a location. */
  public boolean isInline() {
    return hocon != null;
  }

  /**
   * Whether the location is a URI with a scheme, read through Hadoop's FileSystem; a plain path is
   * a local file.
   */
  public boolean isUri() {
    return location != null && URI_WITH_SCHEME.matcher(location).matches();
  }
}
