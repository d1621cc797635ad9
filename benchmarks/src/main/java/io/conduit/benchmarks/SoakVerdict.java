package io.conduit.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Whether a soak's samples show something that keeps growing. The first fifth of the samples
 * (at least two) is warm-up: pools, caches and the JIT fill then. The rest is cut into thirds; a
 * figure keeps growing when the median of each third is above the one before and the last
 * third's median exceeds the first's by more than the figure's noise allowance. A single step
 * (a pool taking one more chunk) is not growth; a leak, however slow, rises through all three.
 */
record SoakVerdict(List<Row> rows, String problem) {
  /** Samples needed after warm-up to judge at all. */
  static final int MIN_JUDGED = 6;

  /** One figure: its medians per third and whether it grew. */
  record Row(String figure, double first, double middle, double last, double allowance) {
    double growth() {
      return last - first;
    }

    boolean grows() {
      return middle > first && last > middle && growth() > allowance;
    }
  }

  boolean passed() {
    return problem == null && rows.stream().noneMatch(Row::grows);
  }

  static SoakVerdict of(List<SoakSampler.Sample> samples) {
    int warmUp = Math.max(2, samples.size() / 5);
    if (samples.size() - warmUp < MIN_JUDGED) {
      return new SoakVerdict(List.of(), samples.size() + " samples are too few to judge: need "
          + (warmUp + MIN_JUDGED) + " or more (run longer or sample more often)");
    }
    List<SoakSampler.Sample> judged = samples.subList(warmUp, samples.size());
    List<Row> rows = new ArrayList<>();
    rows.add(row("heap after GC (MiB)", judged, SoakSampler.Sample::heapMib, 8, 0.10));
    rows.add(row("direct memory (MiB)", judged, SoakSampler.Sample::directMib, 16, 0.10));
    rows.add(row("threads", judged, s -> s.threads(), 4, 0));
    if (judged.get(0).fds() >= 0) {
      rows.add(row("file descriptors", judged, s -> s.fds(), 8, 0));
    }
    return new SoakVerdict(rows, null);
  }

  /** The allowance is the larger of {@code absolute} and {@code relative} of the first third. */
  private static Row row(String figure, List<SoakSampler.Sample> judged,
      ToDoubleFunction<SoakSampler.Sample> value, double absolute, double relative) {
    int n = judged.size();
    double first = median(judged.subList(0, n / 3), value);
    double middle = median(judged.subList(n / 3, 2 * n / 3), value);
    double last = median(judged.subList(2 * n / 3, n), value);
    return new Row(figure, first, middle, last, Math.max(absolute, relative * first));
  }

  private static double median(List<SoakSampler.Sample> samples, ToDoubleFunction<SoakSampler.Sample> value) {
    double[] v = samples.stream().mapToDouble(value).sorted().toArray();
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  /** A Markdown table of the figures and the verdict. */
  String table() {
    if (problem != null) {
      return "soak: cannot judge: " + problem;
    }
    StringBuilder out = new StringBuilder(
        "| figure | first third | middle third | last third | growth | allowance | keeps growing |\n"
        + "|---|---:|---:|---:|---:|---:|---|\n");
    for (Row r : rows) {
      out.append(String.format("| %s | %.1f | %.1f | %.1f | %+.1f | %.1f | %s |%n", r.figure(),
          r.first(), r.middle(), r.last(), r.growth(), r.allowance(), r.grows() ? "**yes**" : "no"));
    }
    return out.toString();
  }
}
