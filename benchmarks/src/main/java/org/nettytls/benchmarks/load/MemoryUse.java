package org.nettytls.benchmarks.load;

import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this JVM holds, for the idle-connection memory case: heap in use after full collections,
 * direct memory (Netty's own counter for the cleaner-less buffers it allocates plus the JDK's
 * direct buffer pool) and the resident set, which alone includes BoringSSL's native SSL objects.
 * The harness takes one before and one after opening the connections; the difference divided by
 * their number is the cost of one.
 */
final class MemoryUse {
    final long heap;
    final long direct;
    final long rss;

    private MemoryUse(long heap, long direct, long rss) {
        this.heap = heap;
        this.direct = direct;
        this.rss = rss;
    }

    static MemoryUse now() throws Exception {
        // Several collections: the first may only promote what the next one frees.
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct += pool.getMemoryUsed();
            }
        }
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return new MemoryUse(heap, direct, rss);
    }

    @Override
    public String toString() {
        return "heap=" + heap + " direct=" + direct + " rss=" + rss;
    }
}
