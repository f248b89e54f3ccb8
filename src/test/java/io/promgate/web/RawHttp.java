package io.promgate.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP/1.0 exchange over a plain socket with the request target sent byte for byte: the JDK
 * client refuses (or re-encodes) targets such as {@code /federate?match[]={job="x"}}, which are the
 * point of these tests. HTTP/1.0 so that both Go and Vert.x answer unchunked and close.
 */
final class RawHttp {
  record Response(int status, String head, String body) {}

  private RawHttp() {}

  /** {@code GET target}; {@code target} chars are sent as bytes (ISO-8859-1), so UTF-8 goes pre-encoded. */
  static Response get(String baseUrl, String target, String... headers) {
    return exchange(baseUrl, "GET", target, null, headers);
  }

  static Response exchange(String baseUrl, String method, String target, byte[] body, String... headers) {
    URI base = URI.create(baseUrl);
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(30_000);
      StringBuilder req = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.0\r\nHost: ")
          .append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
      for (int i = 0; i < headers.length; i += 2) {
        req.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
      }
      if (body != null) {
        req.append("Content-Length: ").append(body.length).append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        try {
          out.write(body);
        } catch (IOException e) {
          // the server may answer (and close) before taking the whole body: read its answer
        }
      }
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          all.write(buf, 0, n);
        }
      } catch (SocketException e) {
        // reset after the answer: keep what arrived
      }
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      String head = split < 0 ? text : text.substring(0, split);
      String responseBody = split < 0 ? "" : text.substring(split + 4);
      int status = head.length() >= 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
      return new Response(status, head, responseBody);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
