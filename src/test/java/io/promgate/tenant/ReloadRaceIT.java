package io.promgate.tenant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Reload after reload, each changing {@code storage.influxdb} (the URL alternates between
 * InfluxDB itself and a plain TCP forwarder to it; timeout and write concurrency change too),
 * while several tenants write and read concurrently. Afterwards: every sample promgate
 * acknowledged is in InfluxDB, writes and reads still work, no database was created for a tenant
 * that only read, and — observed on the promgate process's own sockets with {@code ss} — no
 * connection to the InfluxDB address the last config does not use is left open.
 */
class ReloadRaceIT {
  private static final List<String> TENANTS = List.of("t0", "t1", "t2", "t3");

  /** Forwards every accepted connection to {@code target}, byte for byte, both ways. */
  private static final class TcpForwarder implements AutoCloseable {
    final ServerSocket server;
    final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

    TcpForwarder(String host, int port) throws IOException {
      server = new ServerSocket(FreePorts.next(), 50, InetAddress.getLoopbackAddress());
      Thread accept = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            Socket in = server.accept();
            Socket out = new Socket(host, port);
            sockets.add(in);
            sockets.add(out);
            pump(in, out);
            pump(out, in);
          } catch (IOException e) {
            return;
          }
        }
      }, "forwarder-accept");
      accept.setDaemon(true);
      accept.start();
    }

    private static void pump(Socket from, Socket to) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
          }
        } catch (IOException ignored) {
          // either side closed
        } finally {
          try {
            from.close();
            to.close();
          } catch (IOException ignored) {
            // closing
          }
        }
      }, "forwarder-pump");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }

  @Test
  void reloadChangingStorage_underMultiTenantLoad_nothingAcknowledgedLost_noStaleConnections() throws Exception {
    RealInfluxDb influx = RealInfluxDb.shared();
    URI direct = URI.create(influx.url());
    String main = influx.freshDatabase("reload_race");
    String prefix = main + "_";
    try (TcpForwarder forwarder = new TcpForwarder(direct.getHost(), direct.getPort());
        PromgateProcess p = PromgateProcess.start(config(influx.url(), main, prefix, 0), "--web.enable-lifecycle")) {
      String viaForwarder = "http://127.0.0.1:" + forwarder.port();
      AtomicBoolean stop = new AtomicBoolean();
      Map<String, Set<Integer>> acked = new ConcurrentHashMap<>();
      List<String> failures = Collections.synchronizedList(new ArrayList<>());
      List<Thread> workers = new ArrayList<>();
      List<String> writers = new ArrayList<>(TENANTS);
      writers.add(""); // no header: the main database
      for (String tenant : writers) {
        acked.put(tenant, ConcurrentHashMap.newKeySet());
        workers.add(new Thread(() -> {
          for (int seq = 0; !stop.get(); seq++) {
            Http.Response r = null;
            for (int attempt = 0; attempt < 100; attempt++) { // a sender retries 503s, as Prometheus does
              r = write(p.url(), tenant, seq);
              if (r.status() != 503) {
                break;
              }
              sleep(50);
            }
            if (r.status() == 204) {
              acked.get(tenant).add(seq);
            } else {
              failures.add("write " + tenant + "#" + seq + ": " + r.status() + " " + r.body());
            }
          }
        }, "writer-" + tenant));
      }
      for (int i = 0; i < 2; i++) {
        workers.add(new Thread(() -> {
          for (int n = 0; !stop.get(); n++) {
            String tenant = n % 5 == 4 ? "ghost" : TENANTS.get(n % TENANTS.size());
            Http.Response r = read(p.url(), tenant);
            // 503: retried by the reader (e.g. a tenant database not created yet, the ghost's never)
            if (r.status() != 200 && r.status() != 503) {
              failures.add("read " + tenant + ": " + r.status() + " " + r.body());
            }
          }
        }, "reader-" + i));
      }
      workers.forEach(Thread::start);
      try {
        for (int reload = 1; reload <= 10; reload++) {
          Await.until(Duration.ofSeconds(30), "writes going on", () -> acked.values().stream().allMatch(s -> s.size() > 0));
          int before = acked.values().stream().mapToInt(Set::size).sum();
          Files.writeString(p.configFile(), config(reload % 2 == 1 ? viaForwarder : influx.url(), main, prefix, reload));
          Http.Response r = Http.post(p.url() + "/-/reload", new byte[0]);
          assertEquals(200, r.status(), r.body());
          Await.until(Duration.ofSeconds(30), "writes acknowledged after reload " + reload,
              () -> acked.values().stream().mapToInt(Set::size).sum() > before + 20);
        }
      } finally {
        stop.set(true);
        for (Thread t : workers) {
          t.join(60_000);
        }
      }
      assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " failures");

      // Every acknowledged sample is stored, in its tenant's database.
      int total = 0;
      for (String tenant : writers) {
        String db = tenant.isEmpty() ? main : prefix + tenant;
        Set<Integer> stored = new HashSet<>();
        for (RealInfluxDb.Series s : influx.select(db, "SELECT \"value\" FROM reload_race")) {
          for (JsonNode v : s.column("value")) {
            stored.add(v.asInt());
          }
        }
        Set<Integer> missing = new HashSet<>(acked.get(tenant));
        missing.removeAll(stored);
        assertEquals(Set.of(), missing, "acknowledged and missing in " + db);
        total += acked.get(tenant).size();
      }
      assertTrue(total > 200, "acknowledged " + total);
      assertTrue(!influx.execute("SHOW DATABASES").toString().contains(prefix + "ghost"), "reads create no database");

      // The last config (reload 10) talks to InfluxDB directly: every connection promgate opened
      // through the forwarder (the odd reloads' storage) is closed once that storage retired.
      Await.until(Duration.ofSeconds(30), "no connection left to the retired storage's address",
          () -> connections(p.pid(), forwarder.port()) == 0);
      assertEquals(204, write(p.url(), "t0", 1_000_000).status());
      assertEquals(200, read(p.url(), "t0").status());
      assertTrue(connections(p.pid(), direct.getPort()) > 0, "the live storage's connections are seen (the check can fail)");
      assertEquals(0, connections(p.pid(), forwarder.port()));
    }
  }

  private static String config(String url, String db, String prefix, int generation) {
    return """
        storage: {influxdb: {url: '%s', database: %s, timeout: %ds, max_concurrent_writes: %d}}
        tenancy: {enabled: true, database_prefix: '%s', max_tenants: 100}
        """.formatted(url, db, 2 + generation % 3, 1 + generation % 4, prefix);
  }

  /** Established TCP connections of process {@code pid} to loopback port {@code port}, as {@code ss} lists them. */
  private static int connections(long pid, int port) {
    try {
      Process ss = new ProcessBuilder("ss", "-tnpH", "state", "established").redirectErrorStream(true).start();
      String out = new String(ss.getInputStream().readAllBytes());
      ss.waitFor();
      int n = 0;
      for (String line : out.split("\n")) {
        String[] f = line.trim().split("\\s+");
        // Recv-Q Send-Q Local Peer Process
        // the peer as ss prints it: 127.0.0.1:P, or [::ffff:127.0.0.1]:P from a dual-stack JVM socket
        if (f.length >= 5 && f[3].endsWith(":" + port) && f[3].contains("127.0.0.1") && line.contains("pid=" + pid + ",")) {
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Http.Response write(String url, String tenant, int seq) {
    byte[] pb = Remote.WriteRequest.newBuilder().addTimeseries(Remote.TimeSeries.newBuilder()
        .addLabels(Remote.Label.newBuilder().setName("__name__").setValue("reload_race"))
        .addLabels(Remote.Label.newBuilder().setName("seq").setValue(Integer.toString(seq)))
        .addSamples(Remote.Sample.newBuilder().setValue(seq).setTimestamp(1_700_000_000_000L + seq))).build().toByteArray();
    List<String> headers = new ArrayList<>(List.of("Content-Type", "application/x-protobuf", "Content-Encoding", "snappy"));
    if (!tenant.isEmpty()) {
      headers.addAll(List.of("X-Scope-OrgID", tenant));
    }
    return Http.post(url + "/api/v1/write", SnappyBlocks.compress(pb, 0, pb.length), headers.toArray(String[]::new));
  }

  private static Http.Response read(String url, String tenant) {
    byte[] pb = Remote.ReadRequest.newBuilder().addQueries(Remote.Query.newBuilder()
        .setStartTimestampMs(1_700_000_000_000L).setEndTimestampMs(1_700_000_100_000L)
        .addMatchers(Remote.LabelMatcher.newBuilder().setName("__name__").setValue("reload_race"))).build().toByteArray();
    return Http.post(url + "/api/v1/read", SnappyBlocks.compress(pb, 0, pb.length),
        "Content-Type", "application/x-protobuf", "Content-Encoding", "snappy", "X-Scope-OrgID", tenant);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
