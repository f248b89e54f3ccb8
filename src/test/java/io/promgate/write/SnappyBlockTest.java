package io.promgate.write;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.promgate.write.InvalidWriteException.Reason;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SnappyBlockTest {
  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Test
  void decompress_roundTrip_returnsInput() {
    byte[] in = "hello hello hello hello".getBytes(StandardCharsets.UTF_8);
    byte[] c = SnappyBlocks.compress(in, 0, in.length);
    assertArrayEquals(in, SnappyBlocks.decompress(c, 0, c.length, 1024));
  }

  @Test
  void declaredLength_emptyInput_rejects() {
    var e = assertThrows(InvalidWriteException.class, () -> SnappyBlocks.decompress(new byte[0], 0, 0, 1024));
    assertEquals(Reason.CORRUPT_SNAPPY, e.reason());
  }

  @Test
  void declaredLength_unterminatedVarint_rejects() {
    // 0x80 0x80: both bytes say "more follows", then the input ends.
    var e = assertThrows(InvalidWriteException.class, () -> SnappyBlocks.decompress(bytes(0x80, 0x80), 0, 2, 1024));
    assertEquals("corrupt snappy block: malformed length preamble", e.getMessage());
  }

  @Test
  void declaredLength_sixByteVarint_rejects() {
    // A 32-bit length never needs more than 5 varint bytes.
    var e = assertThrows(InvalidWriteException.class,
        () -> SnappyBlocks.decompress(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 0, 6, Long.MAX_VALUE));
    assertEquals(Reason.CORRUPT_SNAPPY, e.reason());
  }

  @Test
  void declaredLength_lyingPreambleOverLimit_rejectsBeforeAllocating() {
    // 0xFF 0xFF 0xFF 0xFF 0x0F = 4294967295 bytes declared, followed by 3 bytes of "data".
    var e = assertThrows(InvalidWriteException.class,
        () -> SnappyBlocks.decompress(bytes(0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 2), 0, 8, 64L << 20));
    assertEquals(Reason.DECOMPRESSED_TOO_LARGE, e.reason());
    assertEquals(413, e.status());
  }

  @Test
  void decompress_preambleLongerThanData_rejects() {
    // Declares 100 bytes (0x64); one literal tag 0x00 (1 byte literal) 'a': the data ends early.
    var e = assertThrows(InvalidWriteException.class, () -> SnappyBlocks.decompress(bytes(0x64, 0x00, 'a'), 0, 3, 1024));
    assertEquals(Reason.CORRUPT_SNAPPY, e.reason());
  }

  @Test
  void decompress_copyBeforeStart_rejects() {
    // Declares 4 bytes; tag 0x01 = copy with 1-byte offset, offset 0x05 points before the output start.
    var e = assertThrows(InvalidWriteException.class, () -> SnappyBlocks.decompress(bytes(0x04, 0x01, 0x05), 0, 3, 1024));
    assertEquals(Reason.CORRUPT_SNAPPY, e.reason());
  }

  @Test
  void decompress_truncatedBlock_rejects() {
    byte[] in = "a fairly long string that compresses, a fairly long string".getBytes(StandardCharsets.UTF_8);
    byte[] c = SnappyBlocks.compress(in, 0, in.length);
    var e = assertThrows(InvalidWriteException.class, () -> SnappyBlocks.decompress(c, 0, c.length - 5, 1024));
    assertEquals(Reason.CORRUPT_SNAPPY, e.reason());
  }
}
