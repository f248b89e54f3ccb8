package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.post;
import static io.promgate.read.ReadRequests.query;
import static io.promgate.read.ReadRequests.request;
import static io.promgate.read.ReadRequests.write;
import static io.promgate.testing.RemoteRequests.sample;
import static io.promgate.testing.RemoteRequests.series;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.promgate.prompb.Remote;
import io.promgate.testing.Http;
import io.promgate.testing.PromgateWithInfluxDb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile remote-read requests against a real InfluxDB: too many queries or matchers, regexes
 * nested past Go's limit. Each is refused with a 400 naming the limit, and the read slots are
 * free afterwards (a normal read still answers).
 */
@QuarkusTest
@QuarkusTestResource(PromgateWithInfluxDb.class)
class ReadLimitsTest {
  private static final long T0 = 1_700_000_000_000L;

  @TestHTTPResource("/api/v1/write")
  URL writeUrl;

  @TestHTTPResource("/api/v1/read")
  URL readUrl;

  @TestHTTPResource("/federate")
  URL federateUrl;

  private void assertNormalReadStillAnswers() {
    String name = "rl_ok_" + System.nanoTime();
    write(writeUrl.toString(), sample(series("__name__", name, "job", "j"), 1, T0));
    var got = ReadRequests.samples(post(readUrl.toString(), request(false, query(T0, T0, m("__name__", "=", name)))));
    assertEquals(1, got.get(0).size());
  }

  @Test
  void read_20000Queries_400NamingMaxQueriesPerRequest() {
    Remote.Query[] queries = new Remote.Query[20_000];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = query(T0, T0 + i, m("__name__", "=", "rl_q" + i));
    }
    Http.Response r = post(readUrl.toString(), request(false, queries));
    assertEquals(400, r.status(), r.body());
    assertEquals("the request has 20000 queries, more than 100 (remote_read.max_queries_per_request)\n", r.body());
    assertNormalReadStillAnswers();
  }

  @Test
  void read_100QueriesAtTheLimit_answersEveryQuery() {
    String name = "rl_hundred_" + System.nanoTime();
    write(writeUrl.toString(), sample(series("__name__", name), 5, T0));
    Remote.Query[] queries = new Remote.Query[100];
    for (int i = 0; i < queries.length; i++) {
      queries[i] = query(T0, T0, m("__name__", "=", name));
    }
    var got = ReadRequests.samples(post(readUrl.toString(), request(false, queries)));
    assertEquals(100, got.size());
    for (int i = 0; i < 100; i++) {
      assertEquals(1, got.get(i).size(), "query " + i);
    }
  }

  @Test
  void read_10000NotEqualMatchers_400NamingMaxMatchersPerQuery() {
    List<Remote.LabelMatcher> ms = new ArrayList<>();
    ms.add(m("__name__", "=", "rl_m"));
    for (int i = 0; i < 10_000; i++) {
      ms.add(m("job", "!=", "j" + i));
    }
    Remote.Query q = Remote.Query.newBuilder().setStartTimestampMs(T0).setEndTimestampMs(T0 + 1000)
        .addAllMatchers(ms).build();
    Http.Response r = post(readUrl.toString(), request(false, q));
    assertEquals(400, r.status(), r.body());
    assertEquals("query 0 has 10001 matchers, more than 100 (remote_read.max_matchers_per_query)\n", r.body());
    assertNormalReadStillAnswers();
  }

  static String nested(int depth) {
    return "(".repeat(depth) + "a" + ")".repeat(depth);
  }

  @Test
  void read_regexNested5000Deep_400ExpressionNestsTooDeeply() {
    Http.Response r = post(readUrl.toString(),
        request(false, query(T0, T0, m("__name__", "=", "rl_re"), m("job", "=~", nested(5000)))));
    assertEquals(400, r.status(), r.body());
    assertEquals("query 0: invalid regular expression in matcher for label \"job\": expression nests too deeply\n",
        r.body());
    assertNormalReadStillAnswers();
  }

  @Test
  void read_regexNestedWithinGoLimit_acceptedAndMatched() {
    String name = "rl_deep_" + System.nanoTime();
    write(writeUrl.toString(), sample(series("__name__", name, "job", "a"), 1, T0));
    var got = ReadRequests.samples(post(readUrl.toString(),
        request(false, query(T0, T0, m("__name__", "=", name), m("job", "=~", nested(100))))));
    assertEquals(1, got.get(0).size());
  }

  @Test
  void federate_regexNested5000Deep_400ExpressionNestsTooDeeply() {
    Http.Response r = Http.get(federateUrl + "?match[]=" + Http.param("{job=~\"" + nested(5000) + "\"}"));
    assertEquals(400, r.status(), r.body());
    assertEquals(true, r.body().contains("expression nests too deeply"), r.body());
  }
}
