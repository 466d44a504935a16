package io.cslake.table;

/**
 * The lakehouse layout (SPEC §8): {@code silver/<name>}, {@code gold/<name>}, {@code models/},
 * {@code _quarantine}, {@code _runs}, under one root URI.
 */
public final class Lakehouse {
  private final String root;

  public Lakehouse(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public String root() {
    return root;
  }

  public String silver(String table) {
    return root + "/silver/" + table;
  }

  public String gold(String table) {
    return root + "/gold/" + table;
  }

  public String models() {
    return root + "/models";
  }

  public String quarantine() {
    return root + "/" + QuarantineTable.TABLE;
  }

  public String runs() {
    return root + "/" + RunsTable.TABLE;
  }

  /** Internal state of incremental jobs (watermarks); not a contract table. */
  public String state(String name) {
    return root + "/_state/" + name;
  }
}
