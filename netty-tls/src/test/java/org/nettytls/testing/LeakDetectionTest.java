package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The leak gate itself must be able to fail, and must fail the right test. What these tests leak
 * on purpose is a {@link Deliberate}, tracked by a detector of a gate of their own: its report
 * can only ever reach that gate, never the build's, so it cannot fail another test however late
 * the JVM gets round to it. That the build's gate sees Netty's buffers is checked on its own.
 */
class LeakDetectionTest {
    /** What the tests here leak: a resource type no other code tracks. */
    static final class Deliberate {
    }

    @Test
    void paranoidLevelIsOn() {
        assertTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID,
                "tests must run with -Dio.netty.leakDetection.level=PARANOID, found " + ResourceLeakDetector.getLevel());
    }

    @Test
    void nettysBufferLeaksReachTheBuildsGate() {
        Unpooled.directBuffer(1).release();
        assertTrue(LeakDetection.watches(ByteBuf.class),
                "Netty's ByteBuf detector was made before LeakDetection installed its factory: buffer leaks would fail nothing");
    }

    @Test
    void aDrainCollectsOnceAndAsksTheJdkWhenItsReferencesAreQueued() {
        assertTrue(LeakDetection.Gate.asksTheReferenceHandler(),
                "surefire's argLine opens jdk.internal.access; without it every drain collects garbage twice");
    }

    @Test
    void aLeakFailsTheTestThatMadeIt() {
        LeakDetection.Gate gate = new LeakDetection.Gate();
        ResourceLeakDetector<Deliberate> detector = gate.newDetector(Deliberate.class, 1);
        gate.running("LeakyTest.leaks");
        leakOne(detector);
        String failure = awaitFailure(gate, detector, "LeakyTest.leaks");
        assertTrue(failure.contains("found after LeakyTest.leaks") && failure.contains("made by this test")
                && failure.contains("Deliberate leaked"), failure);
        assertEquals(List.of(), gate.drain(), "each leak is reported once");
    }

    @Test
    void aLeakFoundAfterALaterTestNamesTheTestThatMadeIt() {
        LeakDetection.Gate gate = new LeakDetection.Gate();
        ResourceLeakDetector<Deliberate> detector = gate.newDetector(Deliberate.class, 1);
        gate.running("EarlierTest.keepsABufferTooLong");
        Object held = track(detector);
        gate.check("EarlierTest.keepsABufferTooLong");
        assertNotNull(held);
        held = null;
        gate.running("LaterTest.innocent");
        String failure = awaitFailure(gate, detector, "LaterTest.innocent");
        assertTrue(failure.contains("made by EarlierTest.keepsABufferTooLong, an earlier test"), failure);
    }

    @Test
    void nothingLeakedPasses() {
        LeakDetection.Gate gate = new LeakDetection.Gate();
        ResourceLeakDetector<Deliberate> detector = gate.newDetector(Deliberate.class, 1);
        Deliberate d = new Deliberate();
        detector.track(d).close(d);
        gate.check("CleanTest.releases");
    }

    /**
     * Runs the gate's after-test check until it fails (its report may take a few collections),
     * within this test: the report of what this test leaked is awaited here, not left to another.
     */
    private static String awaitFailure(LeakDetection.Gate gate, ResourceLeakDetector<Deliberate> detector, String test) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                gate.check(test);
            } catch (AssertionError e) {
                return e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the deliberately leaked object was not reported within " + Duration.ofSeconds(60));
            }
            // The gate looks again only once something was tracked since its last look, as after any test using buffers.
            Deliberate used = new Deliberate();
            detector.track(used).close(used);
        }
    }

    private static void leakOne(ResourceLeakDetector<Deliberate> detector) {
        track(detector);
        // Deliberately neither closed nor kept.
    }

    private static Object track(ResourceLeakDetector<Deliberate> detector) {
        Deliberate d = new Deliberate();
        assertNotNull(detector.track(d), "PARANOID tracks every object");
        return d;
    }
}
