package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The interop gate: a missing peer skips with what to install, or fails when interop is required; each is reported once. */
class InteropTest {
    @TempDir
    Path dir;

    @Test
    void aMissingPeerSkipsWithWhatToInstallAndIsRecorded() {
        List<String> recorded = new ArrayList<>();
        TestAbortedException skipped = assertThrows(TestAbortedException.class,
                () -> Interop.missing("peer 'gnutls-cli'", "apt-get install gnutls-bin", "", false, recorded::add));
        assertTrue(skipped.getMessage().contains("peer 'gnutls-cli' is missing: apt-get install gnutls-bin"), skipped.getMessage());
        assertEquals(List.of("peer 'gnutls-cli' is missing: apt-get install gnutls-bin"), recorded);
    }

    @Test
    void aMissingPeerFailsWhenInteropIsRequiredAndSaysWhatTheCheckPrinted() {
        List<String> recorded = new ArrayList<>();
        AssertionFailedError failed = assertThrows(AssertionFailedError.class, () -> Interop.missing(
                "Perl IO::Socket::SSL's IDNA library (URI::_idna)", "apt-get install liburi-perl",
                "idn_to_ascii(b\u00fccher.example) - no IDNA library installed\n", true, recorded::add));
        assertTrue(failed.getMessage().contains("apt-get install liburi-perl (it said: idn_to_ascii(b\u00fccher.example) - no IDNA library installed)")
                && failed.getMessage().contains("-Dnetty-tls.interop=required"), failed.getMessage());
        assertEquals(List.of(), recorded, "a failure is not a skip to report");
    }

    @Test
    void everyPeerTheCiScriptInstallsHasItsPackage() {
        for (String[] p : new String[][] {{"openssl", "openssl"}, {"gnutls-cli", "gnutls-bin"}, {"curl", "curl"}, {"swaks", "swaks"},
            {"lftp", "lftp"}, {"tshark", "tshark"}, {"nginx", "nginx"}, {"haproxy", "haproxy"}, {"redis-server", "redis-server"},
            {"pebble", "pebble"}}) {
            assertEquals(p[1], Interop.debianPackage(p[0]), p[0]);
        }
    }

    @Test
    void eachMissingPeerIsReportedOncePerBuildByTheFirstModuleThatMissedIt() throws Exception {
        Path seen = dir.resolve("root/target/missing-peers-seen.txt");
        Path first = dir.resolve("netty-tls/target/missing-peers.txt");
        Path second = dir.resolve("examples/target/missing-peers.txt");
        MissingPeers.write(first, seen, "build-1", "a");
        MissingPeers.write(first, seen, "build-1", "b");
        MissingPeers.write(second, seen, "build-1", "a");
        MissingPeers.write(second, seen, "build-1", "c");
        assertEquals(List.of("a", "b"), Files.readAllLines(first));
        assertEquals(List.of("c"), Files.readAllLines(second));
        // The next build reports again, whatever an earlier one left behind.
        Path next = dir.resolve("ocsp/target/missing-peers.txt");
        MissingPeers.write(next, seen, "build-2", "a");
        assertEquals(List.of("a"), Files.readAllLines(next));
    }
}
