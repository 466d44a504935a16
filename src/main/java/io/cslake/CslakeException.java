package io.cslake;

/**
 * A failure the user can act on. Every user-facing error of cslake is one of these: its message
 * says what is wrong, where, and how to fix it, and its exit code follows SPEC §3 (2 usage or
 * configuration, 3 input contract, 1 anything else).
 */
public final class CslakeException extends RuntimeException {
  /** Exit code for a usage or configuration error. */
  public static final int USAGE = 2;

  /** Exit code for an input-contract error: a source, a mapping or a dirty input. */
  public static final int CONTRACT = 3;

  /** Exit code for any other failure. */
  public static final int FAILURE = 1;

  private final int exitCode;

  private CslakeException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** A configuration or command-line error (exit 2). */
  public static CslakeException usage(String message) {
    return new CslakeException(USAGE, message, null);
  }

  /** An input-contract error (exit 3). */
  public static CslakeException contract(String message) {
    return new CslakeException(CONTRACT, message, null);
  }

  /** Any other failure (exit 1), keeping its cause for the log. */
  public static CslakeException failure(String message, Throwable cause) {
    return new CslakeException(FAILURE, message, cause);
  }

  public int exitCode() {
    return exitCode;
  }
}
