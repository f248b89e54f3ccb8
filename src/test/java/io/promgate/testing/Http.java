package io.promgate.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The few blocking HTTP calls the harness and the end-to-end tests make against real servers. Tests
 * are not the place for promgate's Vert.x client: a plain JDK client keeps the harness independent
 * of the code under test.
 */
public final class Http {

  // HTTP/1.1 because InfluxDB 1.x and Prometheus speak it on plain TCP; the JDK client would
  // otherwise try an h2c upgrade first.
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  private Http() {}

  /** Status, headers and raw body of one exchange; {@link #body()} decodes it as UTF-8. */
  public record Response(int status, HttpHeaders headers, byte[] bytes) {

    public String body() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    public boolean isSuccess() {
      return status >= 200 && status < 300;
    }
  }

  public static Response get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).GET());
  }

  /** POSTs {@code body}; {@code headers} alternate name, value, name, value... */
  public static Response post(String url, byte[] body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  public static Response post(String url, String body, String... headers) {
    return post(url, body.getBytes(StandardCharsets.UTF_8), headers);
  }

  /**
   * {@code true} when {@code url} answers {@code status}; a refused or reset connection is false.
   */
  public static boolean answers(String url, int status) {
    try {
      return get(url).status() == status;
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  /** Encodes a query parameter value ({@code +} for spaces is what both servers expect). */
  public static String param(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static Response send(HttpRequest.Builder builder) {
    HttpRequest request = builder.timeout(REQUEST_TIMEOUT).build();
    try {
      HttpResponse<byte[]> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + request.method() + " " + request.uri(), e);
    }
  }
}
