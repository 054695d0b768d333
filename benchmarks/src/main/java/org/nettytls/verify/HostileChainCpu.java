package org.nettytls.verify;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The thread CPU time of one verification of each {@link HostileChainBenchmark} chain, for a
 * loaded machine where JMH's wall-clock figures mostly measure the other processes: each case is
 * warmed up, then timed operation by operation with {@link ThreadMXBean#getCurrentThreadCpuTime()}
 * (the verifying thread's own CPU; garbage collection and the JIT run on other threads and are left
 * out). Prints per case the median, the 90th percentile and the largest, in milliseconds.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar org.nettytls.verify.HostileChainCpu [WARMUP [OPS [CHAIN...]]]
 * </pre>
 */
public final class HostileChainCpu {
    private HostileChainCpu() {
    }

    public static void main(String[] args) throws Exception {
        int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        List<String> chains = args.length > 2 ? Arrays.asList(args).subList(2, args.length)
                : List.of("names", "underLimits", "mergeEightPaths", "nameBudget", "policyTree");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%-16s %-6s %8s %8s %8s %s%n", "chain", "memory", "median", "p90", "max", "accepted");
        for (String chain : chains) {
            for (String memory : List.of("kept", "fresh")) {
                HostileChainBenchmark b = new HostileChainBenchmark();
                b.chain = chain;
                b.memory = memory;
                b.setUp();
                boolean accepted = false;
                for (int i = 0; i < warmup; i++) {
                    accepted = b.verify();
                }
                List<Double> ms = new ArrayList<>();
                for (int i = 0; i < ops; i++) {
                    long start = threads.getCurrentThreadCpuTime();
                    b.verify();
                    ms.add((threads.getCurrentThreadCpuTime() - start) / 1e6);
                }
                ms.sort(null);
                System.out.printf("%-16s %-6s %8.2f %8.2f %8.2f %s%n", chain, memory, ms.get(ms.size() / 2),
                        ms.get(Math.min(ms.size() - 1, (int) (ms.size() * 0.9))), ms.get(ms.size() - 1), accepted);
            }
        }
    }
}
