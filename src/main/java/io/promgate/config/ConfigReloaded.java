package io.promgate.config;

/**
 * CDI event fired after a reload swapped in a new snapshot. Components built from the config
 * (clients, target sources) observe it and rebuild from {@code next} if their section changed;
 * requests already running keep the objects they started with.
 */
public record ConfigReloaded(PromgateConfig previous, PromgateConfig next) {}
