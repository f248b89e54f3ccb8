package io.promgate.federate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GzipEncoderTest {
  private static final String ALPHABET = "abc{}=\",\n0123456789";

  @Test
  void encode_manyChunks_isOneValidGzipMember() throws IOException {
    SplittableRandom rnd = new SplittableRandom(1);
    ByteArrayOutputStream plain = new ByteArrayOutputStream();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GzipEncoder enc = new GzipEncoder()) {
      for (int i = 0; i < 300; i++) {
        byte[] chunk = new byte[rnd.nextInt(0, 40_000)];
        for (int j = 0; j < chunk.length; j++) {
          chunk[j] = (byte) ALPHABET.charAt(rnd.nextInt(ALPHABET.length()));
        }
        plain.writeBytes(chunk);
        gz.writeBytes(enc.encode(chunk, chunk.length));
      }
      gz.writeBytes(enc.finish());
    }
    byte[] back = new GZIPInputStream(new ByteArrayInputStream(gz.toByteArray())).readAllBytes();
    assertArrayEquals(plain.toByteArray(), back);
  }

  @Test
  void finish_withoutInput_isEmptyMember() throws IOException {
    byte[] gz;
    try (GzipEncoder enc = new GzipEncoder()) {
      gz = enc.finish();
    }
    assertEquals(0, new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes().length);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "gzip | true", "GZIP | true", "deflate, gzip | true", "gzip;q=0.5 | true", "x-gzip | true",
    "gzip;q=0 | false", "gzip; q=0.0 | false", "identity | false", "br, deflate | false", "'' | false"
  })
  void accepted_acceptEncoding(String header, boolean gzip) {
    assertEquals(gzip, GzipEncoder.accepted(header));
  }
}
