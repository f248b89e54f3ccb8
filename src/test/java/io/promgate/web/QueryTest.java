package io.promgate.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Query} against the answers of Go 1.19's {@code url.ParseQuery} for the same strings. */
class QueryTest {
  @Test
  void parse_rawSelectorCharacters_keptAsTheyAre() {
    Query q = Query.parse("match[]={job=\"prometheus\"}&match[]={__name__=~\"job:.*|a^b<c>`d`\"}");
    assertEquals(List.of("{job=\"prometheus\"}", "{__name__=~\"job:.*|a^b<c>`d`\"}"), q.all("match[]"));
    assertNull(q.error());
  }

  @Test
  void parse_plusAndEscapes_decoded() {
    Query q = Query.parse("a=x+y%2By&b%5B%5D=%7B%7D&c=%e2%82%ac");
    assertEquals("x y+y", q.first("a"));
    assertEquals("{}", q.first("b[]"));
    assertEquals("€", q.first("c"));
  }

  @Test
  void parse_rawUtf8Bytes_decodedAsUtf8() {
    // Netty hands the target over one byte per char
    assertEquals("é", Query.parse("a=\u00c3\u00a9").first("a"));
  }

  @Test
  void parse_emptyPairsAndKeys_asGo() {
    Query q = Query.parse("&&a&=v&b=&&");
    assertEquals(List.of(""), q.all("a"));
    assertEquals(List.of("v"), q.all(""));
    assertEquals(List.of(""), q.all("b"));
    assertNull(q.error());
  }

  @Test
  void parse_badEscape_pairSkippedFirstErrorKept() {
    Query q = Query.parse("a=1&b=%zz&c=%&d=2");
    assertEquals("1", q.first("a"));
    assertNull(q.first("b"));
    assertNull(q.first("c"));
    assertEquals("2", q.first("d"));
    assertEquals("invalid URL escape \"%zz\"", q.error());
    assertEquals("invalid URL escape \"%\"", Query.parse("c=%").error());
    assertEquals("invalid URL escape \"%4\"", Query.parse("c=%4").error());
    assertEquals("invalid URL escape \"%\\xff1\"", Query.parse("c=%\u00ff1").error());
    assertEquals("invalid URL escape \"%\\\"a\"", Query.parse("c=%\"a").error());
  }

  @Test
  void parse_semicolon_pairSkippedAndReported() {
    Query q = Query.parse("a=1;b=2&c=3");
    assertNull(q.first("a"));
    assertEquals("3", q.first("c"));
    assertEquals("invalid semicolon separator in query", q.error());
  }

  @Test
  void parse_manyPairs_noCap() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 5000; i++) {
      sb.append("match[]=m").append(i).append('&');
    }
    assertEquals(5000, Query.parse(sb.toString()).all("match[]").size());
  }

  @Test
  void problem_controlBytesAndPathEscapes_asGoRefuses() {
    assertNull(RequestTarget.problem("/federate?match[]={a=\"%zz|\"}"), "the query is Query's business");
    assertEquals("invalid control character in URL", RequestTarget.problem("/x?a=\u0001"));
    assertEquals("invalid control character in URL", RequestTarget.problem("/x\u007f"));
    assertEquals("invalid URL escape \"%zz\"", RequestTarget.problem("/fed%zzerate"));
    assertEquals("invalid URL escape \"%2\"", RequestTarget.problem("/a%2?b"));
    assertNull(RequestTarget.problem("/api/v1/shards/%31/scrape_config"));
  }
}
