package io.promgate.influx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WriteBatcherShareTest {
  @Test
  void share_backlogAfterSlowWrite_spreadOverTheWriteSlots() {
    // 16 senders, 4 slots: 13 queued while 3 requests are in flight → 4 per write, not all 13
    assertEquals(4, WriteBatcher.share(13, 3, 4));
  }

  @Test
  void share_idle_oneRequestSentAlone() {
    assertEquals(1, WriteBatcher.share(1, 0, 4));
  }

  @Test
  void share_roundsUp_neverZero() {
    assertEquals(2, WriteBatcher.share(3, 2, 4));
    assertEquals(1, WriteBatcher.share(0, 0, 4));
    assertEquals(7, WriteBatcher.share(7, 0, 1));
  }
}
