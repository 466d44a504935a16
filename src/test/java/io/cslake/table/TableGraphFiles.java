package io.cslake.table;

import io.cslake.table.TableGraph.Read;
import io.cslake.table.TableGraph.Stage;
import io.cslake.table.TableGraph.Table;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The files generated from {@link TableGraph}: {@code docs/tables.json} (read by the dashboard and
 * the notebooks for "which command writes this table") and the mermaid graph of {@code
 * docs/ARCHITECTURE.md}. {@link TableGraphTest} fails when a committed file differs from what is
 * rendered here, and rewrites it with {@code -Dcslake.tables.write=true}.
 */
final class TableGraphFiles {
  static final String JSON = "docs/tables.json";
  static final String ARCHITECTURE = "docs/ARCHITECTURE.md";
  static final String GRAPH_BEGIN =
      "<!-- table-graph: generated from TableGraph; TableGraphTest -->";
  static final String GRAPH_END = "<!-- /table-graph -->";

  private TableGraphFiles() {}

  /** The declaration as JSON: one object per table, in declaration order. */
  static String json() {
    StringBuilder b = new StringBuilder();
    b.append("{\n");
    b.append("  \"generated_from\": \"io.cslake.table.TableGraph\",\n");
    b.append(
        "  \"note\": \"Generated; do not edit. TableGraphTest fails when this file differs from the"
            + " declaration: mvn -o test -Dtest=TableGraphTest -Dcslake.tables.write=true rewrites"
            + " it.\",\n");
    b.append("  \"tables\": [\n");
    List<Table> tables = TableGraph.tables();
    for (int i = 0; i < tables.size(); i++) {
      Table t = tables.get(i);
      b.append("    {\n");
      field(b, "name", quote(t.name()));
      field(b, "layer", quote(lower(t.layer().name())));
      field(b, "partition_by", list(t.partitionBy().stream().map(TableGraphFiles::quote).toList()));
      field(b, "unit", quote(lower(t.unit().name())));
      field(b, "write", quote(lower(t.write().name())));
      field(b, "writer", quote(t.writer().command()));
      field(
          b,
          "writers",
          list(t.writers().stream().map(Stage::command).map(TableGraphFiles::quote).toList()));
      field(b, "written_when", quote(t.writtenWhen()));
      b.append("      \"reads\": ")
          .append(
              list(
                  t.reads().stream()
                      .map(
                          r ->
                              "{\"table\": "
                                  + quote(r.table())
                                  + ", \"required\": "
                                  + r.required()
                                  + "}")
                      .toList()))
          .append("\n");
      b.append(i == tables.size() - 1 ? "    }\n" : "    },\n");
    }
    b.append("  ]\n}\n");
    return b.toString();
  }

  /**
   * A mermaid flowchart: one box per table, grouped by the command that writes it; an arrow from
   * each table read to the table computed from it (dotted when the read is optional).
   */
  static String mermaid() {
    StringBuilder b = new StringBuilder();
    b.append("```mermaid\nflowchart LR\n");
    for (Stage stage : Stage.values()) {
      List<Table> written = TableGraph.tables().stream().filter(t -> t.writer() == stage).toList();
      b.append("  subgraph ").append(stage.command()).append("\n");
      for (Table t : written) {
        b.append("    ")
            .append(id(t.name()))
            .append("[\"")
            .append(t.name())
            .append(
                t.partitionBy().isEmpty() ? "" : " (" + String.join(", ", t.partitionBy()) + ")")
            .append("\"]\n");
      }
      b.append("  end\n");
    }
    for (Table t : TableGraph.tables()) {
      for (Read r : t.reads()) {
        b.append("  ")
            .append(id(r.table()))
            .append(r.required() ? " --> " : " -.-> ")
            .append(id(t.name()))
            .append("\n");
      }
    }
    b.append("```\n");
    return b.toString();
  }

  /**
   * The tables as a Markdown table: name, writers, partition columns, what a run replaces, when it
   * is written.
   */
  static String legend() {
    return TableGraph.tables().stream()
        .map(
            t ->
                "| `"
                    + t.name()
                    + "` | "
                    + t.writers().stream()
                        .map(s -> "`" + s.command() + "`")
                        .collect(Collectors.joining(", "))
                    + " | "
                    + String.join(", ", t.partitionBy())
                    + " | "
                    + lower(t.unit().name()).replace('_', ' ')
                    + " ("
                    + lower(t.write().name())
                    + ") | "
                    + t.writtenWhen()
                    + " |")
        .collect(
            Collectors.joining(
                "\n",
                "| table | written by | partitioned by | a run replaces | written when |\n"
                    + "|---|---|---|---|---|\n",
                "\n"));
  }

  /** The generated block of docs/ARCHITECTURE.md, markers included. */
  static String architectureBlock() {
    return GRAPH_BEGIN + "\n" + mermaid() + "\n" + legend() + GRAPH_END;
  }

  private static String id(String table) {
    return table.replaceAll("[^A-Za-z0-9]", "_");
  }

  private static void field(StringBuilder b, String name, String value) {
    b.append("      ").append(quote(name)).append(": ").append(value).append(",\n");
  }

  private static String list(List<String> items) {
    return "[" + String.join(", ", items) + "]";
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
