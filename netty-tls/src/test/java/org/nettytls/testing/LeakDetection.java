package org.nettytls.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Turns every ByteBuf leak that Netty's detector (PARANOID in every test JVM) reports into a
 * test failure.
 *
 * <p>As a {@link LauncherSessionListener} it installs, before any test class loads Netty's
 * buffers, a detector factory whose detectors record what they report. As a Jupiter extension
 * (auto-detected) it runs after each test: it collects garbage, lets the detector poll its queue
 * by allocating a few tracked buffers, and fails the test if anything was reported. A leak may
 * be found one test late; the report says where the buffer was touched.
 */
public final class LeakDetection implements LauncherSessionListener, AfterEachCallback {
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    private static volatile boolean installed;
    private static final AtomicLong TRACKED = new AtomicLong();
    private static volatile long trackedAtLastDrain = -1;

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        install();
    }

    /** Installs the recording factory; idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                    Class<T> resource, int samplingInterval, long maxActive) {
                ResourceLeakDetector<T> detector = new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected Object getInitialHint(String resourceType) {
                        // Called once per tracked object: tells afterEach whether a test touched buffers at all.
                        TRACKED.incrementAndGet();
                        return null;
                    }
                };
                detector.setLeakListener((type, records) -> LEAKS.add(type + " leaked:" + records));
                return detector;
            }
        });
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (TRACKED.get() == trackedAtLastDrain && LEAKS.isEmpty()) {
            // No buffer was tracked since the last look: garbage collecting again finds nothing new.
            return;
        }
        List<String> found = drain();
        if (!found.isEmpty()) {
            throw new AssertionError("Netty reported " + found.size() + " leak(s) during or before "
                    + context.getDisplayName() + ":\n" + String.join("\n", found));
        }
    }

    /** Collects garbage, makes the detectors poll, and returns (and forgets) every leak reported so far. */
    public static List<String> drain() {
        for (int round = 0; round < 2; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 4; i++) {
                ByteBuf a = UnpooledByteBufAllocator.DEFAULT.directBuffer(8);
                a.release();
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                b.release();
                ByteBuf c = PooledByteBufAllocator.DEFAULT.heapBuffer(8);
                c.release();
            }
        }
        trackedAtLastDrain = TRACKED.get();
        List<String> out = new ArrayList<>();
        for (String s; (s = LEAKS.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }
}
