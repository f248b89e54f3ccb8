package io.promgate.config;

import java.util.List;

/** promgate.yml could not be loaded; carries every problem found, one per line. */
public final class ConfigException extends Exception {
  private final List<String> errors;

  public ConfigException(String source, List<String> errors) {
    super(source + ": " + errors.size() + " error(s):\n  " + String.join("\n  ", errors));
    this.errors = List.copyOf(errors);
  }

  public List<String> errors() {
    return errors;
  }
}
