package org.nettytls.soak;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.io.File;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What this JVM holds at one moment, measured after garbage collection: live heap, direct memory
 * as Netty counts it and as the JDK counts it, the default allocators' usage, open file
 * descriptors and the resident set size.
 */
final class Resources {
    final long heap;
    final long nettyDirect;
    final long jdkDirect;
    final long allocatorDirect;
    final long allocatorHeap;
    final int fds;
    final long rss;

    private Resources() {
        heap = usedHeapAfterGc();
        nettyDirect = PlatformDependent.usedDirectMemory();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        jdkDirect = direct;
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        if (alloc instanceof ByteBufAllocatorMetricProvider) {
            allocatorDirect = ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
            allocatorHeap = ((ByteBufAllocatorMetricProvider) alloc).metric().usedHeapMemory();
        } else {
            allocatorDirect = -1;
            allocatorHeap = -1;
        }
        fds = openFileDescriptors();
        rss = residentSetSize();
    }

    static Resources measure() {
        return new Resources();
    }

    /**
     * Direct memory: the larger of Netty's own count and the JDK's. Netty counts what it allocates
     * without a cleaner; with a cleaner the JDK counts it (and Netty's count repeats it).
     */
    long direct() {
        return Math.max(nettyDirect, jdkDirect);
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // Two rounds: the first may leave work for finalizers and reference queues.
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    static int openFileDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** What each open descriptor points at (a file, socket:[inode], anon_inode:[eventpoll], ...). */
    static java.util.List<String> fileDescriptorTargets() {
        java.util.List<String> out = new java.util.ArrayList<>();
        File[] fds = new File("/proc/self/fd").listFiles();
        if (fds != null) {
            for (File f : fds) {
                try {
                    out.add(Files.readSymbolicLink(f.toPath()).toString());
                } catch (Exception gone) {
                    // closed while listing
                }
            }
        }
        return out;
    }

    static long residentSetSize() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public String toString() {
        return "heap " + mib(heap) + ", direct " + mib(direct()) + " (Netty " + mib(nettyDirect) + ", JDK " + mib(jdkDirect)
                + "; default allocator direct " + mib(allocatorDirect) + ", heap " + mib(allocatorHeap) + "), fds " + fds
                + ", rss " + mib(rss);
    }
}
