package io.promgate.ha;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * {@link HaDecodeBenchmark}'s three setups A/B in one JVM, measured in thread CPU time per request
 * rather than throughput: on a machine whose cores other processes share (load far above the core
 * count), wall-clock throughput mostly measures the scheduler; CPU time per request does not.
 * Rounds alternate the setups so drift (JIT, frequency, neighbours) hits all of them alike; the
 * median per setup is printed.
 *
 * <pre>java -cp target/test-classes:target/classes:$(cat cp.txt) io.promgate.ha.HaOverheadAB [rounds=60]</pre>
 */
public final class HaOverheadAB {
  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    String[] modes = {"off", "elected", "deduplicated"};
    HaDecodeBenchmark[] b = new HaDecodeBenchmark[modes.length];
    for (int i = 0; i < modes.length; i++) {
      b[i] = new HaDecodeBenchmark();
      b[i].tracker = modes[i];
      b[i].setUp();
    }
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int perRound = 50;
    long[][] us = new long[modes.length][rounds];
    for (int r = -20; r < rounds; r++) { // 20 warm-up rounds
      for (int i = 0; i < modes.length; i++) {
        int m = (i + Math.max(r, 0)) % modes.length; // rotate the order too
        long t0 = mx.getCurrentThreadCpuTime();
        for (int k = 0; k < perRound; k++) {
          b[m].decode();
        }
        long t = (mx.getCurrentThreadCpuTime() - t0) / perRound / 1000;
        if (r >= 0) {
          us[m][r] = t;
        }
      }
    }
    long off = median(us[0]);
    for (int i = 0; i < modes.length; i++) {
      long med = median(us[i]);
      System.out.printf("%-13s median %5d µs CPU per 2,000-series request (%+.1f%% vs off), p10 %d p90 %d%n", modes[i],
          med, 100.0 * (med - off) / off, pct(us[i], 10), pct(us[i], 90));
    }
  }

  private static long median(long[] v) {
    return pct(v, 50);
  }

  private static long pct(long[] v, int p) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, s.length * p / 100)];
  }
}
