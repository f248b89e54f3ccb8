package io.promgate.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  @Test
  void derived_isHalfTheHeapBeyond64MiB_atLeastAQuarter() {
    assertEquals(96L << 20, MemoryBudget.derived(256L << 20)); // the launcher's -Xmx256m
    assertEquals(224L << 20, MemoryBudget.derived(512L << 20));
    assertEquals(480L << 20, MemoryBudget.derived(1L << 30));
    assertEquals(16L << 20, MemoryBudget.derived(64L << 20));
  }

  @Test
  void reserve_pastBudget_throwsAndCountsOneRefusal_closeGivesEverythingBackOnce() {
    MemoryBudget b = new MemoryBudget(() -> 1000, new SimpleMeterRegistry());
    MemoryBudget.Ticket first = b.ticket();
    first.reserve(600);
    MemoryBudget.Ticket second = b.ticket();
    second.reserve(300);
    assertEquals(900, b.inUse());
    MemoryBudget.Exhausted e = assertThrows(MemoryBudget.Exhausted.class, () -> second.reserve(200));
    assertEquals("memory budget spent: 200 more bytes would exceed 1000 (remote_write.memory_budget), retry later",
        e.getMessage());
    assertEquals(1, b.refusals());
    first.release(100);
    assertEquals(800, b.inUse());
    first.close();
    first.close();
    second.close();
    assertEquals(0, b.inUse());
  }

  @Test
  void reserve_aloneOverBudget_admittedSoOneBigRequestIsNeverStarved() {
    MemoryBudget b = new MemoryBudget(() -> 1000, new SimpleMeterRegistry());
    try (MemoryBudget.Ticket t = b.ticket()) {
      t.reserve(5000);
      assertEquals(5000, b.inUse());
    }
    assertEquals(0, b.inUse());
  }

  @Test
  void reserve_aloneGrowingPastBudget_admitted_butNotWhileAnotherRequestHoldsBytes() {
    MemoryBudget b = new MemoryBudget(() -> 1000, new SimpleMeterRegistry());
    MemoryBudget.Ticket big = b.ticket();
    big.reserve(600); // its body
    big.reserve(3000); // its line protocol, alone: admitted although past the budget
    assertEquals(3600, b.inUse());
    MemoryBudget.Ticket other = b.ticket();
    assertThrows(MemoryBudget.Exhausted.class, () -> other.reserve(10));
    big.close();
    other.close();
    MemoryBudget.Ticket next = b.ticket();
    next.reserve(600);
    MemoryBudget.Ticket third = b.ticket();
    third.reserve(300);
    assertThrows(MemoryBudget.Exhausted.class, () -> third.reserve(200)); // another holds 600
    next.close();
    third.close();
    assertEquals(0, b.inUse());
  }

  @Test
  void budget_zeroConfigured_derivedFromThisJvmsHeap() {
    MemoryBudget b = new MemoryBudget(() -> 0, new SimpleMeterRegistry());
    assertEquals(MemoryBudget.derived(Runtime.getRuntime().maxMemory()), b.budget());
  }
}
