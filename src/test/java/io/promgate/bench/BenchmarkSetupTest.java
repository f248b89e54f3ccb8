package io.promgate.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Every JMH benchmark (src/jmh/java, compiled with the tests) runs its {@code @Setup} — where each
 * benchmark checks that promgate and its baseline produce the same output, so every ratio compares
 * equal work — and then each {@code @Benchmark} method once, for every combination of its
 * {@code @Param} values. A change that breaks a baseline's equality or a benchmark's setup fails here, not months
 * later when someone runs JMH.
 */
class BenchmarkSetupTest {
  @ParameterizedTest
  @ValueSource(strings = {
    "io.promgate.write.DecodeBenchmark",
    "io.promgate.read.ReadEncodeBenchmark",
    "io.promgate.federate.FederateBenchmark",
    "io.promgate.relabel.RelabelBenchmark",
    "io.promgate.ha.HaDecodeBenchmark",
  })
  void setUpAndEachBenchmarkOnce_run(String className) throws Throwable {
    Class<?> type = Class.forName(className);
    List<Field> params = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      Param p = f.getAnnotation(Param.class);
      if (p != null && p.value().length > 0) {
        f.setAccessible(true);
        params.add(f);
      }
    }
    int combinations = 1;
    for (Field f : params) {
      combinations *= f.getAnnotation(Param.class).value().length;
    }
    for (int c = 0; c < combinations; c++) {
      Object state = type.getDeclaredConstructor().newInstance();
      int rest = c;
      for (Field f : params) {
        String[] values = f.getAnnotation(Param.class).value();
        f.set(state, parse(f.getType(), values[rest % values.length]));
        rest /= values.length;
      }
      runOnce(type, state);
    }
  }

  private static void runOnce(Class<?> type, Object state) throws Throwable {
    invokeAll(type, state, Setup.class);
    Blackhole bh = new Blackhole(
        "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
    List<String> ran = new ArrayList<>();
    for (Method m : type.getDeclaredMethods()) {
      if (m.isAnnotationPresent(Benchmark.class)) {
        Object[] args = m.getParameterCount() == 0 ? new Object[0] : new Object[] {bh};
        bh.consume(call(m, state, args));
        ran.add(m.getName());
      }
    }
    invokeAll(type, state, TearDown.class);
    assertFalse(ran.isEmpty(), type.getName() + " has no @Benchmark method");
    bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
  }

  private static void invokeAll(Class<?> type, Object state, Class<? extends Annotation> a)
      throws Throwable {
    for (Method m : type.getDeclaredMethods()) {
      if (m.isAnnotationPresent(a) && !Modifier.isStatic(m.getModifiers())) {
        call(m, state, new Object[0]);
      }
    }
  }

  private static Object call(Method m, Object state, Object[] args) throws Throwable {
    m.setAccessible(true);
    try {
      return m.invoke(state, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Object parse(Class<?> type, String value) {
    if (type == int.class) {
      return Integer.parseInt(value);
    } else if (type == long.class) {
      return Long.parseLong(value);
    } else if (type == boolean.class) {
      return Boolean.parseBoolean(value);
    } else if (type == double.class) {
      return Double.parseDouble(value);
    }
    return value;
  }
}
