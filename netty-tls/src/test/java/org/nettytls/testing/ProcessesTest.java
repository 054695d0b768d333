package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a failing program said reaches the failure, whatever its encoding: Perl's "no IDNA library"
 * message once arrived in Latin-1 and the test died of a MalformedInputException instead.
 */
class ProcessesTest {
    /** "Stra\xdfe" in Latin-1, a lone continuation byte and a cut UTF-8 sequence: none of it UTF-8. */
    private static final String NOT_UTF8 = "printf 'idn_to_ascii(Stra\\337e) - no IDNA library installed \\200 \\303' >&2; exit 3";

    @TempDir
    Path dir;

    @Test
    void aFailureCarriesTheProgramsErrorOutputEvenWhenItIsNotUtf8() {
        Processes.Result r = Processes.run(dir, Duration.ofSeconds(30), null, List.of("sh", "-c", NOT_UTF8));
        assertEquals(3, r.exit);
        assertEquals("idn_to_ascii(Stra\uFFFDe) - no IDNA library installed \uFFFD \uFFFD", r.stderr);
        AssertionError e = assertThrows(AssertionError.class, r::expectSuccess);
        assertTrue(e.getMessage().contains("exit 3") && e.getMessage().contains("no IDNA library installed"), e.getMessage());
    }

    @Test
    void aProgramThatHangsFailsWithWhatItPrintedSoFar() {
        AssertionError e = assertThrows(AssertionError.class, () -> Processes.run(dir, Duration.ofMillis(200), null,
                List.of("sh", "-c", "echo started >&2; exec sleep 30")));
        assertTrue(e.getMessage().contains("did not finish within") && e.getMessage().contains("started"), e.getMessage());
    }

    @Test
    void aLogFileIsReadTheSameWay() throws Exception {
        Path log = dir.resolve("peer.log");
        assertEquals("", Processes.readLog(log), "no log yet");
        Files.write(log, new byte[] {'o', 'k', ' ', (byte) 0xff});
        assertEquals("ok \uFFFD", Processes.readLog(log));
    }
}
