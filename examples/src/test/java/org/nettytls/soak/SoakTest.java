package org.nettytls.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.testing.Bystander;

/**
 * The soak: a short run in every build, a long one with {@code mvn -B verify -Psoak
 * -Dsoak.minutes=30} (see docs/testing.md, "Reliability"). {@code -Dsoak.seconds},
 * {@code -Dsoak.clients}, {@code -Dsoak.seed} and {@code -Dsoak.skip=KIND,...} adjust it. The report is printed and written to
 * {@code target/soak-report.txt}.
 */
@Tag("soak")
class SoakTest {
    /** Live heap may move this much between checkpoints (caches filling, the JIT, allocator pools). */
    private static final long HEAP_TOLERANCE = 48L * 1024 * 1024;
    /** Direct memory may move this much (an allocator keeps a few chunks more after a busier moment). */
    private static final long DIRECT_TOLERANCE = 48L * 1024 * 1024;
    /** A few descriptors come and go on their own (class loading opens jars, the JDK its own files). */
    private static final int FD_TOLERANCE = 8;
    private static final Duration PROBE_BOUND = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    @Test
    void serversStayCorrectAndFlatUnderMixedLoadAndAborts() throws Exception {
        Duration duration = System.getProperty("soak.minutes") != null
                ? Duration.ofSeconds(Math.round(Double.parseDouble(System.getProperty("soak.minutes")) * 60))
                : Duration.ofSeconds(Long.getLong("soak.seconds", 40));
        int clients = Integer.getInteger("soak.clients", 12);
        long seed = Long.getLong("soak.seed", System.currentTimeMillis());
        Soak.Report r = new Soak(new Soak.Config(duration, clients, seed), dir).run();
        String text = r.text() + "seed: " + seed + " (-Dsoak.seed=" + seed + " repeats the clients' choices)\n";
        System.out.print(text);
        Files.writeString(Path.of("target", "soak-report.txt"), text);

        assertEquals(0, r.failureCount, () -> "clients failed:\n" + String.join("\n", r.failures) + "\n" + text);
        assertEquals(0, r.leaks.size(), () -> "leaks:\n" + String.join("\n", r.leaks));
        assertEquals(0, r.mailsCorrupt, () -> "corrupt mail: " + r.firstCorruptMail);
        assertEquals(r.mailsAccepted, r.mailsChecked, () -> "mails accepted and mails found differ\n" + text);
        assertEquals(0, r.serverErrorLines, text);
        for (Map.Entry<Scenarios.Kind, AtomicLong> e : r.completed.entrySet()) {
            assertTrue(e.getValue().get() > 0, () -> e.getKey() + " never ran\n" + text);
        }
        assertTrue(r.resumed > 0, () -> "no session was resumed\n" + text);
        for (Bystander b : r.bystanders) {
            b.assertUnharmed(duration.toSeconds() / 2, PROBE_BOUND);
        }
        Soak.Checkpoint baseline = r.checkpoints.get(0);
        for (Soak.Checkpoint c : r.checkpoints) {
            long heap = c.resources.heap - baseline.resources.heap;
            long direct = c.resources.direct() - baseline.resources.direct();
            int fds = c.resources.fds - baseline.resources.fds;
            assertTrue(heap <= HEAP_TOLERANCE, () -> "live heap grew by " + Resources.mib(heap) + " by " + c.name + "\n" + text);
            assertTrue(direct <= DIRECT_TOLERANCE, () -> "direct memory grew by " + Resources.mib(direct) + " by " + c.name + "\n" + text);
            assertTrue(fds <= FD_TOLERANCE, () -> fds + " more file descriptors open at " + c.name + "\n" + text);
        }
        assertTrue(r.fdsAfter - r.fdsBefore <= FD_TOLERANCE, () -> "file descriptors leaked\n" + text);
        assertTrue(r.checkpoints.size() >= 2 && r.ran.toNanos() < duration.toNanos() + TimeUnit.MINUTES.toNanos(5), text);
    }
}
