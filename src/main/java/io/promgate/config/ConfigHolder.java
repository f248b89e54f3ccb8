package io.promgate.config;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the live {@link PromgateConfig} snapshot. Readers call {@link #current()} once per
 * request and keep that object; a reload replaces the reference atomically, never the contents.
 */
public final class ConfigHolder {
  private final AtomicReference<PromgateConfig> current;

  public ConfigHolder(PromgateConfig initial) {
    this.current = new AtomicReference<>(initial);
  }

  public PromgateConfig current() {
    return current.get();
  }

  public void swap(PromgateConfig next) {
    current.set(next);
  }
}
