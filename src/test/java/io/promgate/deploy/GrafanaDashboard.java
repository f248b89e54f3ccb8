package io.promgate.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** deploy/grafana/promgate.json, read as a tree: its panels and every query in it. */
final class GrafanaDashboard {
  static final Path FILE = Path.of("deploy/grafana/promgate.json");

  final JsonNode root;

  private GrafanaDashboard(JsonNode root) {
    this.root = root;
  }

  static GrafanaDashboard load() {
    try {
      return new GrafanaDashboard(new ObjectMapper().readTree(FILE.toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every panel, rows included, with the panels of collapsed rows. */
  List<JsonNode> panels() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : root.path("panels")) {
      out.add(p);
      p.path("panels").forEach(out::add);
    }
    return out;
  }

  /** The panels' target expressions. */
  List<PromQlNames.Query> panelQueries() {
    List<PromQlNames.Query> out = new ArrayList<>();
    for (JsonNode p : panels()) {
      for (JsonNode t : p.path("targets")) {
        out.add(new PromQlNames.Query("panel \"" + p.path("title").asText() + "\" " + t.path("refId").asText(),
            t.path("expr").asText()));
      }
    }
    return out;
  }

  /** The template variables' queries ({@code label_values(<selector>, label)}): not PromQL. */
  List<PromQlNames.Query> variableQueries() {
    List<PromQlNames.Query> out = new ArrayList<>();
    for (JsonNode v : root.path("templating").path("list")) {
      if (v.path("type").asText().equals("query")) {
        JsonNode q = v.path("query");
        out.add(new PromQlNames.Query("variable $" + v.path("name").asText(), q.isObject() ? q.path("query").asText() : q.asText()));
      }
    }
    return out;
  }
}
