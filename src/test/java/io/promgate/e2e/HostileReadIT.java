package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.write.SnappyBlocks;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Hostile remote-read and /federate clients against promgate started through {@code scripts/promgate}
 * and a real InfluxDB 1.6: request-wide sample limits, queries InfluxDB would run far past the
 * timeout, readers that never read their answer, floods of /federate from storage.
 */
class HostileReadIT {
  private static final String[] READ_HEADERS = {
    "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy", "X-Prometheus-Remote-Read-Version", "0.1.0"
  };
  private static final long T0 = 1_700_000_000_000L;
  private final RealInfluxDb influx = RealInfluxDb.shared();

  private static Remote.LabelMatcher m(String name, Remote.LabelMatcher.Type type, String value) {
    return Remote.LabelMatcher.newBuilder().setName(name).setType(type).setValue(value).build();
  }

  private static byte[] readBody(Remote.Query... queries) {
    byte[] pb = Remote.ReadRequest.newBuilder().addAllQueries(List.of(queries)).build().toByteArray();
    return SnappyBlocks.compress(pb, 0, pb.length);
  }

  private static Remote.Query query(long start, long end, Remote.LabelMatcher... ms) {
    return Remote.Query.newBuilder().setStartTimestampMs(start).setEndTimestampMs(end).addAllMatchers(List.of(ms)).build();
  }

  private static double metric(PromgateProcess pg, String line) {
    for (String l : Http.get(pg.url() + "/metrics").body().split("\n")) {
      if (l.startsWith(line + " ")) {
        return Double.parseDouble(l.substring(line.length() + 1).trim());
      }
    }
    throw new AssertionError(line + " not in /metrics");
  }

  /** n series of metric {@code name}, {@code samples} samples each, written straight to InfluxDB. */
  private void seed(String db, String name, int series, int samples) {
    StringBuilder lp = new StringBuilder();
    for (int s = 0; s < series; s++) {
      for (int i = 0; i < samples; i++) {
        lp.append(name).append(",__name__=").append(name).append(",job=j").append(s)
            .append(" value=").append(((s * 7919L + i * 104729L) % 1000003) / 7.0).append(' ').append(T0 + i * 1000L).append('\n');
      }
      if (lp.length() > 4 << 20) {
        influx.write(db, lp.toString());
        lp.setLength(0);
      }
    }
    if (lp.length() > 0) {
      influx.write(db, lp.toString());
    }
  }

  @Test
  void read_samplesOverRequestTotal_400NamingMaxSamplesPerRequest() {
    String db = influx.freshDatabase("rtotal");
    seed(db, "rt", 1, 100);
    try (PromgateProcess pg = PromgateProcess.launch("storage: {influxdb: {url: '" + influx.url() + "', database: " + db
        + "}}\nremote_read: {max_samples_per_request: 150}\n")) {
      Remote.Query q = query(T0, T0 + 1_000_000, m("__name__", Remote.LabelMatcher.Type.EQ, "rt"));
      var one = Http.post(pg.url() + "/api/v1/read", readBody(q), READ_HEADERS);
      assertEquals(200, one.status(), one.body());
      var two = Http.post(pg.url() + "/api/v1/read", readBody(q, q), READ_HEADERS);
      assertEquals(400, two.status(), two.body());
      assertEquals("the request selects more than 150 samples (remote_read.max_samples_per_request)\n", two.body());
    }
  }

  @Test
  void read_queryRunningPastTimeout_503AndKilledInInfluxDb() {
    String db = influx.freshDatabase("rkill");
    seed(db, "slowm", 20_000, 1);
    try (PromgateProcess pg = PromgateProcess.launch("storage: {influxdb: {url: '" + influx.url() + "', database: " + db
        + ", timeout: 2s}}\nremote_read: {max_matchers_per_query: 20000}\n")) {
      List<Remote.LabelMatcher> ms = new ArrayList<>();
      ms.add(m("__name__", Remote.LabelMatcher.Type.EQ, "slowm"));
      for (int i = 0; i < 10_000; i++) {
        ms.add(m("job", Remote.LabelMatcher.Type.NEQ, "x" + i));
      }
      var r = Http.post(pg.url() + "/api/v1/read",
          readBody(Remote.Query.newBuilder().setStartTimestampMs(T0).setEndTimestampMs(T0 + 1000).addAllMatchers(ms).build()),
          READ_HEADERS);
      assertEquals(503, r.status(), r.body());
      assertTrue(r.body().contains("did not answer within 2000ms"), r.body());
      // Ended in InfluxDB: by the reset of promgate's request (InfluxDB interrupts a query whose
      // client went away) or else by the QueryReaper's KILL QUERY.
      // InfluxDB 1.6 marks it killed at once but notices only between series (it went on ~85 s
      // here with 10,000 conditions): the matcher limit is what keeps such queries out.
      Await.until(Duration.ofSeconds(60), "the query marked killed in InfluxDB",
          () -> influx.query(db, "SHOW QUERIES").toString().contains("\"killed\""));
    }
  }

  @Test
  void read_clientNeverReadsAnswer_connectionClosedAfterWriteTimeoutSlotFreed() throws Exception {
    String db = influx.freshDatabase("rstall");
    seed(db, "big", 200, 5_000); // ~1M samples: far more than the socket buffers hold
    try (PromgateProcess pg = PromgateProcess.launch("storage: {influxdb: {url: '" + influx.url() + "', database: " + db
        + "}}\nremote_read: {max_concurrent_queries: 1, max_queued_requests: 0, write_timeout: 2s}\n")) {
      byte[] body = readBody(query(T0, T0 + 10_000_000, m("__name__", Remote.LabelMatcher.Type.EQ, "big")));
      URI u = URI.create(pg.url());
      try (Socket s = new Socket()) {
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress(u.getHost(), u.getPort()));
        s.getOutputStream().write(("POST /api/v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
            + "Content-Encoding: snappy\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().write(body);
        s.getOutputStream().flush();
        // Never read: promgate must give the slot back on its own.
        Await.until(Duration.ofSeconds(120), "the stalled reader cut off",
            () -> metric(pg, "promgate_remote_read_limit_hits_total{limit=\"write_timeout\"}") == 1);
        Await.until(Duration.ofSeconds(60), "the read slot free again",
            () -> metric(pg, "promgate_remote_read_requests_in_flight") == 0);
        InputStream in = s.getInputStream();
        s.setSoTimeout(30_000);
        long drained = 0;
        try {
          for (byte[] buf = new byte[65536]; ; ) {
            int n = in.read(buf);
            if (n < 0) {
              break;
            }
            drained += n;
          }
        } catch (SocketException reset) {
          // a reset is as good as an end here: the connection is gone
        }
        assertTrue(drained >= 0);
      }
      // The only slot is free: a reader that reads gets its answer.
      var ok = Http.post(pg.url() + "/api/v1/read",
          readBody(query(T0, T0, m("__name__", Remote.LabelMatcher.Type.EQ, "big"))), READ_HEADERS);
      assertEquals(200, ok.status(), ok.body());
    }
  }

  @Test
  void federateFromStorage_20Concurrent_each200Or503NamingLimit_thenServedAgain() throws Exception {
    String db = influx.freshDatabase("fedlimit");
    long now = System.currentTimeMillis();
    StringBuilder lp = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      lp.append("fed_m").append(i % 50).append(",__name__=fed_m").append(i % 50).append(",job=j").append(i)
          .append(" value=1 ").append(now).append('\n');
    }
    influx.write(db, lp.toString());
    try (PromgateProcess pg = PromgateProcess.launch("storage: {influxdb: {url: '" + influx.url() + "', database: " + db
        + "}}\nfederation: {source: storage, max_concurrent_storage_requests: 2}\n")) {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String url = pg.url() + "/federate?match[]=" + Http.param("{__name__=~\"fed_m.*\"}");
      List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        all.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      for (var f : all) {
        var r = f.get();
        if (r.statusCode() == 200) {
          assertEquals(2000, r.body().lines().filter(l -> l.startsWith("fed_m")).count());
        } else {
          assertEquals(503, r.statusCode(), r.body());
          assertEquals("too many concurrent /federate requests from storage"
              + " (federation.max_concurrent_storage_requests=2), retry later\n", r.body());
          assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
        }
      }
      for (int i = 0; i < 3; i++) {
        assertEquals(200, Http.get(url).status(), "served again once the burst is over");
      }
    }
  }
}
