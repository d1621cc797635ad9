package io.conduit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class SoakVerdictTest {
  private static List<SoakSampler.Sample> samples(int n, IntFunction<Double> heap, IntFunction<Integer> threads) {
    List<SoakSampler.Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new SoakSampler.Sample(i * 5L, 1000, 0, heap.apply(i), 20, threads.apply(i), 40));
    }
    return out;
  }

  @Test
  void steadyFiguresWithNoisePass() {
    SoakVerdict v = SoakVerdict.of(samples(30, i -> 50.0 + (i % 3) * 3, i -> 30 + i % 2));
    assertThat(v.passed()).as(v.table()).isTrue();
    assertThat(v.table()).contains("| heap after GC (MiB) |").doesNotContain("**yes**");
  }

  @Test
  void aSlowLeakFails() {
    // 1 MiB more per sample: 24 MiB over the judged samples, beyond the 8 MiB allowance.
    SoakVerdict v = SoakVerdict.of(samples(30, i -> 50.0 + i, i -> 30));
    assertThat(v.passed()).isFalse();
    assertThat(v.rows()).filteredOn(SoakVerdict.Row::grows).extracting(SoakVerdict.Row::figure)
        .containsExactly("heap after GC (MiB)");
  }

  @Test
  void threadsThatKeepStartingFail() {
    SoakVerdict v = SoakVerdict.of(samples(30, i -> 50.0, i -> 30 + i / 2));
    assertThat(v.passed()).isFalse();
    assertThat(v.rows()).filteredOn(SoakVerdict.Row::grows).extracting(SoakVerdict.Row::figure)
        .containsExactly("threads");
  }

  @Test
  void oneStepIsNotGrowth() {
    // A pool that takes one more chunk half-way: higher, then flat.
    SoakVerdict v = SoakVerdict.of(samples(30, i -> i < 15 ? 50.0 : 80.0, i -> 30));
    assertThat(v.passed()).as(v.table()).isTrue();
  }

  @Test
  void warmUpIsIgnored() {
    SoakVerdict v = SoakVerdict.of(samples(30, i -> i < 6 ? 10.0 * i : 60.0, i -> i < 6 ? i : 30));
    assertThat(v.passed()).as(v.table()).isTrue();
  }

  @Test
  void tooFewSamplesCannotPass() {
    SoakVerdict v = SoakVerdict.of(samples(7, i -> 50.0, i -> 30));
    assertThat(v.passed()).isFalse();
    assertThat(v.table()).contains("too few to judge");
  }
}
