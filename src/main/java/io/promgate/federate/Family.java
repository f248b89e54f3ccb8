package io.promgate.federate;

import java.util.ArrayList;
import java.util.List;

/** The series of one metric name, in the order they are to be written. */
final class Family {
  final String name;
  final List<Series> series;

  Family(String name, List<Series> series) {
    this.name = name;
    this.series = series;
  }

  Family(String name) {
    this(name, new ArrayList<>());
  }
}
