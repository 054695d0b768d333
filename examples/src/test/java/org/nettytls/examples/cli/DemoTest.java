package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo in CI: it exits 0, every check line is there, and what it prints is what docs/getting-started.md
 * shows right after the set-up commands, apart from ports, times, serial numbers and fingerprints.
 */
class DemoTest {
    /** The checks the issue asks for, one line each. */
    private static final List<String> CHECKS = List.of(
            "[ ok ] serve: SNI www.demo.test over TLS 1.3 gets the ECDSA certificate, verified under scheme default",
            "[ ok ] serve: SNI www.demo.test over TLS 1.2 with an RSA cipher gets the RSA certificate, stapled",
            "[ ok ] serve: SNI mail.demo.test gets its own certificate, verified under scheme http",
            "[ ok ] serve: a fingerprint pin accepts www.demo.test with no CA that knows it",
            "[ ok ] serve: OCSP must-staple: mail.demo.test (a must-staple certificate) staples a good response",
            "[ ok ] serve: a wrong name fails: SNI shop.demo.test gets the default certificate and is refused",
            "[ ok ] serve: a revoked certificate fails: revoked.demo.test, as the OCSP responder says",
            "[ ok ] smtp-server: STARTTLS, verified under scheme smtp; AUTH offered only after TLS; a mail delivered",
            "[ ok ] ftp-server: AUTH TLS under scheme ftp, a PROT P download that resumes the control session, then CCC",
            "[ ok ] line-server: plaintext, STARTTLS, TLS, STOPTLS, plaintext again on one connection");

    @Test
    void demoPassesEveryCheckAndPrintsWhatTheReadmeShows() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), "demo");
        String printed = out.toString();
        assertEquals(Main.OK, status, printed + err);
        assertEquals("", err.toString());
        assertFalse(printed.contains("[FAIL]"), printed);
        List<String> lines = printed.lines().toList();
        assertEquals(CHECKS, lines.stream().filter(l -> l.startsWith("[")).toList(), printed);
        assertTrue(lines.contains("10 checks, 10 behaved as they should, 0 did not") || lines.stream()
                .anyMatch(l -> l.matches("10 checks, 10 behaved as they should, 0 did not \\(\\d+ ms\\)")), printed);
        assertTrue(lines.indexOf(CHECKS.get(0)) > 0 && lines.subList(0, lines.indexOf(CHECKS.get(0))).stream()
                .filter(l -> l.startsWith("... ")).count() >= 3, "progress comes before the checks: " + printed);

        assertEquals(normalize(readmeBlock()), normalize(printed.strip()),
                "docs/getting-started.md's demo output is out of date: paste a fresh run between its ``` lines");
    }

    /** The block after "What `demo` prints" in docs/getting-started.md, under the set-up commands. */
    private static String readmeBlock() throws Exception {
        String readme = Files.readString(Path.of("..", "docs", "getting-started.md"));
        int at = readme.indexOf("What `demo` prints");
        int tryIt = readme.indexOf("\n## Try it");
        assertTrue(tryIt > 0 && at > tryIt && at < readme.indexOf("\n## ", tryIt + 1),
                "docs/getting-started.md shows the demo's output where it says how to run it");
        int start = readme.indexOf("```\n", at) + 4;
        return readme.substring(start, readme.indexOf("\n```", start)).strip();
    }

    /** Ports, times, dates, serials and fingerprints vary from run to run; nothing else may. */
    private static String normalize(String s) {
        return s.replaceAll("[0-9a-f]{16,}", "H").replaceAll("\\d+", "N");
    }
}
