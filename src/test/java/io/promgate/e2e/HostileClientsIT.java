package io.promgate.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.prompb.Remote;
import io.promgate.testing.Await;
import io.promgate.testing.FreePorts;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateProcess;
import io.promgate.testing.RealInfluxDb;
import io.promgate.write.SnappyBlocks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Heavy and hostile clients against promgate started as operators start it ({@code scripts/promgate},
 * its default 256 MiB heap) and a real InfluxDB 1.6: floods, slow bodies, SIGTERM under load,
 * oversized writes, malformed framing, h2c, secrets in the storage URL.
 */
class HostileClientsIT {
  private static final String[] WRITE_HEADERS = {
    "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy", "X-Prometheus-Remote-Write-Version", "0.1.0"
  };
  private final RealInfluxDb influx = RealInfluxDb.shared();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(30)).build();

  private String config(String db, String extra) {
    return "storage: {influxdb: {url: '" + influx.url() + "', database: " + db + "}}\n" + extra;
  }

  /** {@code series} series of {@code samples} samples each, labels padded with random text (~1 MiB compressed at 200 x 250). */
  private static byte[] writeBody(String metric, int series, int samples, int padChars, long seed) {
    Random r = new Random(seed);
    Remote.WriteRequest.Builder req = Remote.WriteRequest.newBuilder();
    char[] pad = new char[padChars];
    for (int s = 0; s < series; s++) {
      for (int i = 0; i < pad.length; i++) {
        pad[i] = (char) ('a' + r.nextInt(26));
      }
      Remote.TimeSeries.Builder ts = Remote.TimeSeries.newBuilder()
          .addLabels(Remote.Label.newBuilder().setName("__name__").setValue(metric))
          .addLabels(Remote.Label.newBuilder().setName("id").setValue(String.valueOf(s)))
          .addLabels(Remote.Label.newBuilder().setName("pad").setValue(new String(pad)));
      for (int i = 0; i < samples; i++) {
        ts.addSamples(Remote.Sample.newBuilder().setValue(r.nextDouble()).setTimestamp(1_700_000_000_000L + i * 15_000L));
      }
      req.addTimeseries(ts);
    }
    byte[] pb = req.build().toByteArray();
    return SnappyBlocks.compress(pb, 0, pb.length);
  }

  private CompletableFuture<HttpResponse<String>> postAsync(String url, byte[] body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(3))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < WRITE_HEADERS.length; i += 2) {
      b.header(WRITE_HEADERS[i], WRITE_HEADERS[i + 1]);
    }
    return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private long count(String db, String measurement) {
    var series = influx.select(db, "SELECT count(value) FROM \"" + measurement + "\"");
    return series.isEmpty() ? 0 : series.get(0).rows().get(0).get(1).asLong();
  }

  /** The value of an unlabelled self-metric from /metrics. */
  private static double metric(PromgateProcess pg, String name) {
    for (String line : Http.get(pg.url() + "/metrics").body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }

  @Test
  void flood_128ConcurrentOneMiBWrites_processSurvivesAnswers204Or503AckedStoredGaugesBackToZero() throws Exception {
    String db = influx.freshDatabase("flood");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, ""))) {
      int n = 128;
      List<byte[]> bodies = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        bodies.add(writeBody("flood_" + i, 200, 400, 60, i));
      }
      assertTrue(bodies.get(0).length > 900_000, "each request about 1 MiB compressed: " + bodies.get(0).length);
      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        answers.add(postAsync(pg.url() + "/api/v1/write", bodies.get(i)));
      }
      int stored = 0;
      int refused = 0;
      for (int i = 0; i < n; i++) {
        HttpResponse<String> r;
        try {
          r = answers.get(i).get();
        } catch (ExecutionException e) {
          throw new AssertionError("request " + i + " got no answer: " + e.getCause() + "\npromgate's log:\n"
              + pg.logTail(), e);
        }
        if (r.statusCode() == 204) {
          stored++;
          assertEquals(200L * 400, count(db, "flood_" + i), "every sample of acknowledged request " + i);
        } else {
          assertEquals(503, r.statusCode(), r.body());
          assertTrue(r.headers().firstValue("Retry-After").isPresent());
          refused++;
        }
      }
      assertTrue(pg.isAlive(), pg.logTail());
      assertTrue(stored > 0, "some writes stored");
      assertEquals(n, stored + refused);
      Await.until(Duration.ofSeconds(30), "in-flight gauge and budget back to 0",
          () -> metric(pg, "promgate_remote_write_requests_in_flight") == 0
              && metric(pg, "promgate_memory_budget_in_use_bytes") == 0);
      assertTrue(metric(pg, "promgate_memory_budget_bytes") > 0);
      // Still serving after the flood.
      HttpResponse<String> after = postAsync(pg.url() + "/api/v1/write", writeBody("flood_after", 10, 10, 10, 1)).get();
      assertEquals(204, after.statusCode(), after.body());
    }
  }

  /**
   * A client that sends its whole body before reading (as many do) still reads the 503 of a write
   * refused mid-body by the memory budget: promgate drains the rest of the body before it closes,
   * where closing at once would make the kernel answer the client's data with a reset that can
   * discard the answer (the "no bytes" of the flood above, now and then).
   */
  @Test
  void refusedMidBody_clientSendingWholeBodyFirst_reads503NotReset() throws Exception {
    String db = influx.freshDatabase("drain");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, "remote_write: {memory_budget: 100000}\n"));
        Socket holder = trickle(pg.url(), 20_000)) {
      // The holder's body (20,000 bytes reserved, never finished) is what else is in use: a request
      // alone may grow past the budget, one beside another may not.
      Await.until(Duration.ofSeconds(10), "the holder's body reserved",
          () -> metric(pg, "promgate_memory_budget_in_use_bytes") >= 20_000);
      URI u = URI.create(pg.url());
      int length = 4_000_000;
      for (int attempt = 0; attempt < 5; attempt++) {
        try (Socket s = new Socket(u.getHost(), u.getPort())) {
          s.setSoTimeout(30_000);
          OutputStream out = s.getOutputStream();
          out.write(("POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
              + "Content-Encoding: snappy\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = new byte[64 * 1024];
          for (int sent = 0; sent < length; sent += chunk.length) {
            out.write(chunk, 0, Math.min(chunk.length, length - sent)); // a reset here fails the test
          }
          out.flush();
          String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
          assertTrue(answer.startsWith("HTTP/1.1 503"), "attempt " + attempt + ": " + answer);
          assertTrue(answer.contains("memory_budget"), answer);
        }
      }
      assertTrue(pg.isAlive(), pg.logTail());
    }
  }

  /** Opens a connection that sends a write's headers and then one byte of its body every {@code everyMs}. */
  private static Socket trickle(String baseUrl, int contentLength) throws IOException {
    URI u = URI.create(baseUrl);
    Socket s = new Socket(u.getHost(), u.getPort());
    s.getOutputStream().write(("POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
        + "Content-Encoding: snappy\r\nContent-Length: " + contentLength + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return s;
  }

  @Test
  void slowBodies_260TricklingConnections_honestWritesStill204() throws Exception {
    String db = influx.freshDatabase("slow");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, ""))) {
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 260; i++) {
        slow.add(trickle(pg.url(), 100_000));
      }
      honestWritesWhileTrickling(pg, db, slow, 0);
    }
  }

  /**
   * Connections that never finish their headers (one more byte of a header name every 500 ms)
   * hold no slot and no body memory: honest writes keep flowing. (There is no header-read timeout:
   * Vert.x has none; such connections are bounded by the header size limit and the idle timeout.)
   */
  @Test
  void slowHeaders_260TricklingConnections_honestWritesStill204() throws Exception {
    String db = influx.freshDatabase("slowheaders");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, ""))) {
      URI u = URI.create(pg.url());
      List<Socket> slow = new ArrayList<>();
      for (int i = 0; i < 260; i++) {
        Socket s = new Socket(u.getHost(), u.getPort());
        s.getOutputStream().write("POST /api/v1/write HTTP/1.1\r\nHost: x\r\nX-Slow".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        slow.add(s);
      }
      honestWritesWhileTrickling(pg, db, slow, 'a');
    }
  }

  /** 20 honest writes, each stored, while every socket of {@code slow} gets one more byte every 500 ms. */
  private void honestWritesWhileTrickling(PromgateProcess pg, String db, List<Socket> slow, int trickleByte)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread trickler = new Thread(() -> {
      while (!stop.get()) {
        for (Socket s : slow) {
          try {
            s.getOutputStream().write(trickleByte);
            s.getOutputStream().flush();
          } catch (IOException ignored) {
            // closed by promgate: that is allowed
          }
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    try {
      trickler.start();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = postAsync(pg.url() + "/api/v1/write", writeBody("honest_" + i, 50, 2, 10, i)).get();
        assertEquals(204, r.statusCode(), "honest write " + i + ": " + r.body());
        assertEquals(100L, count(db, "honest_" + i));
      }
    } finally {
      stop.set(true);
      trickler.join();
      for (Socket s : slow) {
        s.close();
      }
    }
    Await.until(Duration.ofSeconds(30), "in-flight gauge and budget back to 0",
        () -> metric(pg, "promgate_remote_write_requests_in_flight") == 0
            && metric(pg, "promgate_memory_budget_in_use_bytes") == 0);
  }

  @Test
  void slowBody_pastBodyTimeout_408WithReasonAndNothingHeld() throws Exception {
    String db = influx.freshDatabase("slow408");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, "remote_write: {body_timeout: 1s}\n"));
        Socket s = trickle(pg.url(), 1000)) {
      s.getOutputStream().write(new byte[10]);
      s.setSoTimeout(60_000);
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // closed after the answer
      assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
      assertTrue(answer.endsWith("\r\n\r\nrequest body not received within 1000ms (remote_write.body_timeout)\n"), answer);
      assertEquals(0.0, metric(pg, "promgate_memory_budget_in_use_bytes"));
      assertEquals(0.0, metric(pg, "promgate_remote_write_requests_in_flight"));
    }
  }

  @Test
  void sigtermUnderLoad_everyRequestAnsweredNoResets_ackedStored() throws Exception {
    String db = influx.freshDatabase("sigterm");
    // storage timeout below the 25 s shutdown bound: every write in flight at SIGTERM ends in time
    PromgateProcess pg = PromgateProcess.launch("storage: {influxdb: {url: '" + influx.url() + "', database: " + db
        + ", timeout: 10s}}\n");
    try {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger sent = new AtomicInteger();
      Map<String, Integer> acked = new ConcurrentHashMap<>();
      List<Throwable> resets = Collections.synchronizedList(new ArrayList<>());
      List<Thread> senders = new ArrayList<>();
      AtomicInteger answered = new AtomicInteger();
      AtomicLong sigtermAt = new AtomicLong(Long.MAX_VALUE);
      List<Throwable> cutAfterSigterm = Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 16; t++) {
        int thread = t;
        Thread th = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            String metric = "term_" + thread + "_" + i;
            sent.incrementAndGet();
            long sentAt = System.nanoTime();
            try {
              HttpResponse<String> r = postAsync(pg.url() + "/api/v1/write", writeBody(metric, 100, 20, 20, i)).get();
              answered.incrementAndGet();
              if (r.statusCode() == 204) {
                acked.put(metric, 2000);
              } else if (r.statusCode() != 503) {
                resets.add(new AssertionError(metric + ": " + r.statusCode() + " " + r.body()));
              } else {
                // As Prometheus does: back off before retrying (promgate says Retry-After: 1)
                Thread.sleep(1000L * Integer.parseInt(r.headers().firstValue("Retry-After").orElse("1")));
              }
            } catch (Exception e) {
              Throwable c = e.getCause() == null ? e : e.getCause();
              if (c instanceof ConnectException) {
                return; // the listener is closed: not a request cut off
              }
              // A request sent before SIGTERM was in flight: it must be answered. One sent after it
              // may race the listener's final close (see README, graceful shutdown).
              (sentAt < sigtermAt.get() ? resets : cutAfterSigterm).add(c);
              return;
            }
          }
        });
        senders.add(th);
        th.start();
      }
      Await.until(Duration.ofSeconds(60), "writes flowing", () -> acked.size() >= 20);
      sigtermAt.set(System.nanoTime());
      pg.signal("TERM");
      int exit = pg.waitForExit(Duration.ofSeconds(60));
      stop.set(true);
      for (Thread th : senders) {
        th.join();
      }
      assertTrue(exit >= 0, "promgate exited");
      assertEquals(List.of(), resets, "every request in flight at SIGTERM answered, none reset; log:\n" + pg.logTail());
      System.out.println("requests sent after SIGTERM and cut by the final close: " + cutAfterSigterm.size() + " of 16 senders");
      for (var e : acked.entrySet()) {
        assertEquals((long) e.getValue(), count(db, e.getKey()), e.getKey());
      }
    } finally {
      pg.close();
    }
  }

  @Test
  void write10kSeriesX30Samples_overInfluxDbMaxBodySize_splitAndAllStored() throws Exception {
    String db = influx.freshDatabase("split");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, ""))) {
      byte[] body = writeBody("split_big", 10_000, 30, 40, 7);
      HttpResponse<String> r = postAsync(pg.url() + "/api/v1/write", body).get();
      assertEquals(204, r.statusCode(), r.body());
      assertEquals(300_000L, count(db, "split_big"));
      assertTrue(metric(pg, "promgate_influxdb_write_bytes_total") > 25 << 20, "line protocol over InfluxDB's 25 MB");
    }
  }

  @Test
  void labelValueAtDefaultMaxLength_evenPercentEncoded_storedByInfluxDb() throws Exception {
    String db = influx.freshDatabase("longlabel");
    try (PromgateProcess pg = PromgateProcess.launch(config(db, ""))) {
      String newlines = "\n".repeat(16384); // each stored as %0A: the longest tag value the default admits
      Remote.WriteRequest req = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
          .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("long_label"))
          .addLabels(Remote.Label.newBuilder().setName("v").setValue(newlines))
          .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L))).build();
      byte[] pb = req.toByteArray();
      var r = Http.post(pg.url() + "/api/v1/write", SnappyBlocks.compress(pb, 0, pb.length), WRITE_HEADERS);
      assertEquals(204, r.status(), r.body());
      assertEquals(1L, count(db, "long_label"));
      Remote.WriteRequest over = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
          .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("long_label"))
          .addLabels(Remote.Label.newBuilder().setName("v").setValue("x".repeat(16385)))
          .addSamples(Remote.Sample.newBuilder().setValue(1).setTimestamp(1_700_000_000_000L))).build();
      byte[] opb = over.toByteArray();
      var refused = Http.post(pg.url() + "/api/v1/write", SnappyBlocks.compress(opb, 0, opb.length), WRITE_HEADERS);
      assertEquals(400, refused.status(), refused.body());
      assertTrue(refused.body().contains("max_label_value_length"), refused.body());
    }
  }

  /** Sends {@code request} on a fresh connection and returns everything the server sends until it closes or goes quiet. */
  private static String raw(String baseUrl, String request) throws IOException {
    URI u = URI.create(baseUrl);
    try (Socket s = new Socket(u.getHost(), u.getPort())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder got = new StringBuilder();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (SocketTimeoutException | SocketException quiet) {
        // keep-alive connection left open, or reset after the answer: what arrived is the answer
      }
      return got.toString();
    }
  }

  @Test
  void chunkSizeOverflow_400WithReason() throws Exception {
    try (PromgateProcess pg = PromgateProcess.launch(config("chunk", ""))) {
      String answer = raw(pg.url(), "POST /api/v1/write HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
          + "Content-Encoding: snappy\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
      assertTrue(answer.contains("\r\n\r\nmalformed request body: Chunk size overflow"), answer);
      String read = raw(pg.url(), "POST /api/v1/read HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\n"
          + "Content-Encoding: snappy\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n");
      assertTrue(read.startsWith("HTTP/1.1 400 "), read);
    }
  }

  private static final String H2C_UPGRADE = "GET /-/healthy HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n"
      + "Connection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";

  @Test
  void h2c_offByDefault_onlyWithFlag() throws Exception {
    try (PromgateProcess pg = PromgateProcess.launch(config("h2c", ""))) {
      String upgrade = raw(pg.url(), H2C_UPGRADE);
      assertTrue(upgrade.startsWith("HTTP/1.1 200 "), upgrade);
      String prior = raw(pg.url(), "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      assertFalse(prior.isEmpty() || prior.charAt(0) == 0, "no HTTP/2 frames: " + prior);
      assertTrue(prior.startsWith("HTTP/"), prior);
    }
    try (PromgateProcess pg = PromgateProcess.launch(config("h2c", ""), "--web.enable-h2c")) {
      assertTrue(raw(pg.url(), H2C_UPGRADE).startsWith("HTTP/1.1 101 "));
    }
  }

  @Test
  void passwordInStorageUrl_neverInLogReadyWriteFederateOrConfigErrors() throws Exception {
    int closed = FreePorts.next();
    String yml = "storage: {influxdb: {url: 'http://admin:Pa55w0rdXyz@127.0.0.1:" + closed + "', database: sec}}\n"
        + "federation: {source: storage}\n";
    try (PromgateProcess pg = PromgateProcess.launch(yml)) {
      var ready = Http.get(pg.url() + "/-/ready");
      assertEquals(503, ready.status());
      var write = Http.post(pg.url() + "/api/v1/write", writeBody("sec", 1, 1, 1, 1), WRITE_HEADERS);
      assertEquals(503, write.status());
      var federate = Http.get(pg.url() + "/federate?match[]=" + Http.param("{__name__=~\".+\"}"));
      assertEquals(503, federate.status(), federate.body());
      for (String text : List.of(ready.body(), write.body(), federate.body(), pg.logTail())) {
        assertFalse(text.contains("Pa55w0rdXyz"), text);
      }
      assertTrue(ready.body().contains("http://127.0.0.1:" + closed), ready.body());
    }
    // Config errors and --check-config never echo a secret either.
    Path dir = Files.createTempDirectory("secrets");
    Path bad = dir.resolve("bad.yml");
    Files.writeString(bad, "web: {bearer_tokens: 'T0kenSecret9'}\n"
        + "storage: {influxdb: {url: 'ftp://u:Pa55w0rdXyz@h', password: [Pa55w0rdXyz]}}\n");
    var check = PromgateProcess.run(Duration.ofSeconds(60), "--config.file=" + bad, "--check-config");
    assertEquals(1, check.exitCode(), check.output());
    assertTrue(check.output().contains("web.bearer_tokens: expected a list"), check.output());
    assertFalse(check.output().contains("T0kenSecret9") || check.output().contains("Pa55w0rdXyz"), check.output());
    Files.writeString(bad, "storage:\n  influxdb:\n    password: Pa55w0rdXyz: [\n");
    var yaml = PromgateProcess.run(Duration.ofSeconds(60), "check", "config", bad.toString());
    assertEquals(1, yaml.exitCode(), yaml.output());
    assertTrue(yaml.output().contains("invalid YAML: line 3, column"), yaml.output());
    assertFalse(yaml.output().contains("Pa55w0rdXyz"), yaml.output());
  }
}
