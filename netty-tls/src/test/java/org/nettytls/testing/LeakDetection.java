package org.nettytls.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.ref.ReferenceQueue;
import java.lang.reflect.Method;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Turns every leak that Netty's detectors (PARANOID in every test JVM) report into a test
 * failure, and names the test that made the leaked object.
 *
 * <p>As a {@link LauncherSessionListener} it installs, before any test class loads Netty's
 * buffers, a detector factory whose detectors record what they report into one {@link Gate}. As
 * a Jupiter extension (auto-detected) it tells the gate which test runs, so that every object
 * tracked from then on carries that test's name as its first leak hint; after each test, and
 * after each class (for what {@code @AfterAll} releases), it collects garbage, waits until the
 * JVM has queued every reference that garbage collection cleared, makes every detector look at
 * its queue, and fails if anything was reported. An object that becomes garbage only after its
 * test ended (an event loop still shutting down) fails a later test, and the message then says
 * which test made it.
 */
public final class LeakDetection
        implements LauncherSessionListener, BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final Gate GLOBAL = new Gate();
    private static volatile boolean installed;

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
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
                return GLOBAL.newDetector(resource, samplingInterval);
            }
        });
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        GLOBAL.running(context.getRequiredTestClass().getSimpleName() + " (@BeforeAll)");
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        GLOBAL.running(testName(context));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        String test = testName(context);
        try {
            GLOBAL.check(test);
        } finally {
            GLOBAL.running(test + " (after it ended)");
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        GLOBAL.check(context.getRequiredTestClass().getSimpleName() + " (@AfterAll)");
    }

    /** Collects garbage, makes every detector look, and returns (and forgets) every leak reported so far. */
    public static List<String> drain() {
        return GLOBAL.drain();
    }

    /** Whether Netty made its detector for {@code resource} through the gate, so that its leaks fail tests. */
    static boolean watches(Class<?> resource) {
        return GLOBAL.watches(resource);
    }

    private static String testName(ExtensionContext context) {
        String method = context.getRequiredTestMethod().getName();
        String display = context.getDisplayName();
        return context.getRequiredTestClass().getSimpleName() + "." + method
                + (display.equals(method + "()") ? "" : " " + display);
    }

    /**
     * Where leak reports go: its own detectors, its own queue of reports, and the test running
     * now. The build has one ({@link LeakDetection}); a test of the gate itself makes its own, so
     * that what it leaks on purpose can never reach another test.
     */
    static final class Gate {
        /** {@code jdk.internal.access.JavaLangRefAccess.waitForReferenceProcessing()} and its target, or null where closed. */
        private static final Method REFERENCE_PROCESSING;
        private static final Object JAVA_LANG_REF_ACCESS;

        static {
            Method m = null;
            Object access = null;
            try {
                access = Class.forName("jdk.internal.access.SharedSecrets").getMethod("getJavaLangRefAccess").invoke(null);
                m = Class.forName("jdk.internal.access.JavaLangRefAccess").getMethod("waitForReferenceProcessing");
            } catch (ReflectiveOperationException | RuntimeException notOpen) {
                // Not exported to this code (a run outside surefire): collectGarbage() uses sentinels instead.
                m = null;
            }
            REFERENCE_PROCESSING = m;
            JAVA_LANG_REF_ACCESS = access;
        }

        /** Whether a drain needs one collection (it can ask the reference handler) rather than two. */
        static boolean asksTheReferenceHandler() {
            return REFERENCE_PROCESSING != null;
        }

        /** What an object's leak report says first: the test during which it was tracked. */
        static final String HINT_PREFIX = "tracked during ";

        private final ConcurrentLinkedQueue<String> leaks = new ConcurrentLinkedQueue<>();
        private final List<Recording<?>> detectors = new CopyOnWriteArrayList<>();
        private final Set<Class<?>> watched = ConcurrentHashMap.newKeySet();
        private final AtomicLong tracked = new AtomicLong();
        private volatile long trackedAtLastDrain = -1;
        private volatile Object hint = HINT_PREFIX + "(before the first test)";

        <T> ResourceLeakDetector<T> newDetector(Class<T> resource, int samplingInterval) {
            Recording<T> detector = new Recording<>(resource, samplingInterval);
            detectors.add(detector);
            watched.add(resource);
            return detector;
        }

        boolean watches(Class<?> resource) {
            return watched.contains(resource);
        }

        /** From now on, tracked objects name {@code test}. */
        void running(String test) {
            // A string hint: Netty's report prints it as "Hint: tracked during <test>".
            hint = HINT_PREFIX + test;
        }

        /** Fails, naming {@code during} and the test that made each leaked object, if anything leaked so far. */
        void check(String during) {
            if (tracked.get() == trackedAtLastDrain && leaks.isEmpty()) {
                // Nothing was tracked since the last look: collecting garbage again cannot find a new leak.
                return;
            }
            List<String> found = drain();
            if (found.isEmpty()) {
                return;
            }
            StringBuilder b = new StringBuilder("Netty reported ").append(found.size()).append(" leak(s), found after ")
                    .append(during).append(':');
            for (String leak : found) {
                b.append("\n- ").append(madeBy(leak, during)).append('\n').append(leak);
            }
            throw new AssertionError(b.toString());
        }

        private static String madeBy(String leak, String during) {
            int at = leak.indexOf(HINT_PREFIX);
            if (at < 0) {
                return "made by an unknown test";
            }
            int end = leak.indexOf('\n', at);
            String test = leak.substring(at + HINT_PREFIX.length(), end < 0 ? leak.length() : end).strip();
            return test.equals(during) || test.equals(during + " (after it ended)") ? "made by this test"
                    : "made by " + test + ", an earlier test";
        }

        /**
         * Collects garbage until the JVM has queued every reference it cleared, makes every
         * detector look at its queue, and returns (and forgets) what they reported.
         */
        List<String> drain() {
            collectGarbage();
            for (Recording<?> d : detectors) {
                d.look();
            }
            trackedAtLastDrain = tracked.get();
            List<String> out = new ArrayList<>();
            for (String s; (s = leaks.poll()) != null; ) {
                out.add(s);
            }
            return out;
        }

        /**
         * A full collection, then a wait until the JVM has queued every reference it cleared (each
         * leaked object's tracker among them), then the finalizers it made due. Finalizers run
         * before the detectors look, because some objects release what they hold in one (Netty's
         * OpenSslContext releases its credentials): the collection clears the held object's
         * tracker before the finalizer releases it, and a detector that looked in between would
         * report a leak that is none.
         *
         * <p>The wait asks the JDK's reference handler directly (the surefire JVM opens
         * {@code jdk.internal.access} for it). Without that, it takes two rounds of a collection
         * and a wait for a sentinel reference cleared by it: the JVM queues the references one
         * collection cleared as one batch and the next batch only after it, so once the second
         * round's sentinel is queued, every reference the first collection cleared is too.
         */
        private static void collectGarbage() {
            try {
                if (REFERENCE_PROCESSING != null) {
                    System.gc();
                    while ((Boolean) REFERENCE_PROCESSING.invoke(JAVA_LANG_REF_ACCESS)) {
                        // Each call waits for progress; false once nothing is pending or being queued.
                    }
                } else {
                    for (int round = 0; round < 2; round++) {
                        gcUntilCleared();
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ReflectiveOperationException e) {
                if (e.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                throw new IllegalStateException("cannot wait for the JDK's reference processing", e);
            }
            System.runFinalization();
        }

        private static void gcUntilCleared() throws InterruptedException {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            do {
                System.gc();
            } while (queue.remove(100) == null && System.nanoTime() < deadline);
            sentinel.clear();
        }

        /** Netty's detector, recording what it reports in the gate and naming the running test in every tracked object. */
        private final class Recording<T> extends ResourceLeakDetector<T> {
            @SuppressWarnings("deprecation")
            Recording(Class<T> resource, int samplingInterval) {
                super(resource, samplingInterval);
                setLeakListener((type, records) -> leaks.add(type + " leaked:" + records));
            }

            @Override
            protected Object getInitialHint(String resourceType) {
                // Called once per tracked object: also tells check() whether a test touched anything at all.
                tracked.incrementAndGet();
                return hint;
            }

            /** Makes the detector look at its queue, which it does when it tracks something; the probe is released at once. */
            @SuppressWarnings("unchecked")
            void look() {
                Object probe = new Object();
                ResourceLeakTracker<T> t = track((T) probe);
                if (t != null) {
                    t.close((T) probe);
                }
            }
        }
    }
}
