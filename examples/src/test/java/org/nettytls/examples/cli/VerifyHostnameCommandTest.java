package org.nettytls.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.verify.TestCertificates;
import org.nettytls.verify.Vectors;

/** {@code verify-hostname}: single checks, batches (every reference vector in one JVM) and bad input. */
class VerifyHostnameCommandTest {
    @TempDir
    Path dir;

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    private String cert(String file, HeldCertificate.Builder b) throws Exception {
        Path p = dir.resolve(file);
        Files.writeString(p, b.build().certificatePem());
        return p.toString();
    }

    @Test
    void batchReplaysEveryHostnameVectorInOrder() throws Exception {
        List<Vectors.Row> rows = Vectors.read("verify_hostname_vectors.tsv");
        StringBuilder batch = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (Vectors.Row row : rows) {
            String cn = row.col(2).isEmpty() ? null : row.col(2);
            Path pem = dir.resolve("row" + row.line + ".pem");
            Files.writeString(pem, TestCertificates.pem(TestCertificates.mint(cn, TestCertificates.splitSans(row.col(3)))));
            batch.append(row.col(0)).append('\t').append(escape(row.col(1))).append('\t').append(pem).append('\n');
            expected.add(row.col(4));
        }
        // Bad lines in between answer for themselves and the batch goes on.
        Path first = dir.resolve("row" + rows.get(0).line + ".pem");
        batch.append("htttp\tfoo.com\t").append(first).append('\n');
        expected.add("error: line " + (rows.size() + 1) + ": hostnameScheme (SSL_verifycn_scheme): unknown scheme 'htttp'");
        batch.append("http\tfoo.com\t").append(dir.resolve("missing.pem")).append('\n');
        expected.add("error: line " + (rows.size() + 2) + ": ");
        batch.append("http\tfoo.com\n");
        expected.add("error: line " + (rows.size() + 3) + ": expected scheme<TAB>name<TAB>certfile, found 2 field(s) [bad-input]");
        batch.append(rows.get(0).col(0)).append('\t').append(escape(rows.get(0).col(1))).append('\t').append(first).append('\n');
        expected.add(rows.get(0).col(4));
        Path file = dir.resolve("batch.tsv");
        Files.writeString(file, batch, StandardCharsets.UTF_8);

        String[] r = run("verify-hostname", "--batch", file.toString());
        assertEquals("0", r[0], r[2]);
        assertEquals("", r[2]);
        List<String> lines = r[1].lines().toList();
        assertEquals(expected.size(), lines.size(), r[1]);
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(expected.get(i), lines.get(i), rows.get(i).toString());
        }
        for (int i = rows.size(); i < expected.size(); i++) {
            assertTrue(lines.get(i).startsWith(expected.get(i)), lines.get(i));
        }
        assertTrue(lines.get(rows.size()).endsWith("[bad-configuration]"), lines.get(rows.size()));
        assertTrue(lines.get(rows.size() + 1).contains("missing.pem") && lines.get(rows.size() + 1).endsWith("[bad-input]"),
                lines.get(rows.size() + 1));
    }

    /** The batch notation for control characters, {@code \xHH}, as the vectors write them. */
    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    @Test
    void singleCheckExplainsItsVerdict() throws Exception {
        String pem = cert("www.pem", HeldCertificate.builder().commonName("www.example.org")
                .dns("www.example.org", "*.example.net", "xn--bcher-kva.example").ip("192.0.2.7"));
        String[] ok = run("verify-hostname", "--scheme", "http", "www.example.org", pem);
        assertEquals("0", ok[0], String.join("\n", ok));
        assertEquals("", ok[2]);
        assertTrue(ok[1].startsWith("matched 'www.example.org' under scheme http"), ok[1]);

        assertEquals("0", run("verify-hostname", "bücher.example", pem)[0], "an IDN is compared as its A-label");
        assertEquals("0", run("verify-hostname", "192.0.2.7", pem)[0]);
        assertEquals("0", run("verify-hostname", "--scheme", "smtp", "a.example.net", pem)[0]);

        String[] no = run("verify-hostname", "--scheme", "http", "mail.example.org", pem);
        assertEquals("1", no[0], String.join("\n", no));
        assertEquals("", no[2], "a mismatch is the answer, not an error");
        assertEquals(1, no[1].lines().count(), no[1]);
        assertTrue(no[1].startsWith("expected 'mail.example.org' under scheme http, certificate has DNS:www.example.org, "
                + "DNS:*.example.net, DNS:xn--bcher-kva.example, IP:192.0.2.7, CN=www.example.org: "), no[1]);
    }

    @Test
    void publicSuffixListIsBuiltInReplaceableOrOff() throws Exception {
        String pem = cert("couk.pem", HeldCertificate.builder().commonName("wild").dns("*.co.uk"));
        assertEquals("1", run("verify-hostname", "example.co.uk", pem)[0], "a wildcard over a public suffix never matches");
        assertEquals("0", run("verify-hostname", "--public-suffix", "none", "example.co.uk", pem)[0]);
        Path list = dir.resolve("list.dat");
        Files.writeString(list, "// VERSION: test-list-1\nexample\n");
        assertEquals("0", run("verify-hostname", "--public-suffix", list.toString(), "example.co.uk", pem)[0],
                "co.uk is no suffix in this list");

        String[] builtIn = run("verify-hostname", "--list-version");
        assertEquals("0", builtIn[0], String.join("\n", builtIn));
        assertTrue(builtIn[1].matches("built-in \\S+\n"), builtIn[1]);
        assertEquals(list + " test-list-1\n", run("verify-hostname", "--list-version", "--public-suffix", list.toString())[1]);
        assertTrue(run("verify-hostname", "--list-version", "--public-suffix", "none")[1].startsWith("none"));
    }

    @Test
    void customSchemesAsTheVectorsWriteThem() throws Exception {
        String pem = cert("cn.pem", HeldCertificate.builder().commonName("*.example.com").dns("other.example.org"));
        String cnAnywhere = "custom:check_cn=always,wildcards_in_alt=0,wildcards_in_cn=anywhere,ip_in_cn=0";
        assertEquals("0", run("verify-hostname", "--scheme", cnAnywhere, "a.example.com", pem)[0]);
        String[] off = run("verify-hostname", "--scheme", "custom:check_cn=when_only,wildcards_in_cn=full_label", "a.example.com", pem);
        assertEquals("1", off[0], "when_only: a DNS SAN exists, so the CN is not read");
        assertTrue(off[1].contains("under scheme custom:check_cn=when_only"), off[1]);

        String[] badKey = run("verify-hostname", "--scheme", "custom:check_cn=always,wildcards=on", "a.example.com", pem);
        assertOneLineError(badKey, "unknown key 'wildcards'", "[bad-configuration]");
        String[] badValue = run("verify-hostname", "--scheme", "custom:ip_in_cn=5", "a.example.com", pem);
        assertOneLineError(badValue, "ip_in_cn '5'", "[bad-configuration]");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        String pem = cert("ok.pem", HeldCertificate.builder().commonName("ok").dns("ok.example"));
        assertOneLineError(run("verify-hostname", "--scheme", "htttp", "ok.example", pem), "unknown scheme 'htttp'", "[bad-configuration]");
        assertOneLineError(run("verify-hostname", "ok.example", dir.resolve("nope.pem").toString()), "nope.pem", "[bad-input]");
        Path garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "not a certificate\n");
        assertOneLineError(run("verify-hostname", "ok.example", garbage.toString()), "garbage.pem", "[bad-input]");
        assertOneLineError(run("verify-hostname", "--public-suffix", dir.resolve("no-list.dat").toString(), "ok.example", pem),
                "no-list.dat", "[bad-input]");
        assertOneLineError(run("verify-hostname", "--batch", dir.resolve("no-batch.tsv").toString()), "no-batch.tsv", "[bad-input]");
        assertOneLineError(run("verify-hostname", "ok.example"), "NAME and CERT are required", "[usage]");
        assertOneLineError(run("verify-hostname", "--batch", pem, "ok.example"), "--batch takes no NAME", "[usage]");
    }

    private static void assertOneLineError(String[] r, String mentions, String code) {
        assertEquals("2", r[0], String.join("\n", r));
        assertEquals("", r[1]);
        assertEquals(1, r[2].lines().count(), "one line, no stack trace: " + r[2]);
        assertTrue(r[2].startsWith("error: ") && r[2].contains(mentions) && r[2].strip().endsWith(code), r[2]);
    }
}
