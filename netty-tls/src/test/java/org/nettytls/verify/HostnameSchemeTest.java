package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

class HostnameSchemeTest {
    @Test
    void everyPredefinedNameAndAliasIsKnown() throws Exception {
        List<String> expected = List.of("none", "default", "rfc2818", "rfc3920", "xmpp", "rfc4217", "ftp", "www", "http",
                "rfc4513", "ldap", "rfc2595", "smtp", "rfc4642", "imap", "pop3", "acap", "rfc5539", "nntp", "rfc5538",
                "netconf", "rfc5425", "syslog", "rfc5953", "snmp", "rfc5971", "gist", "rfc5922", "sip");
        assertEquals(expected, new ArrayList<>(HostnameScheme.knownNames()));
        HostnameScheme ldap = HostnameScheme.named("ldap");
        assertEquals(HostnameScheme.Wildcards.FULL_LABEL, ldap.wildcardsInAlt());
        assertEquals(HostnameScheme.Wildcards.OFF, ldap.wildcardsInCn());
        assertEquals(HostnameScheme.CheckCn.ALWAYS, ldap.checkCn());
        assertEquals(HostnameScheme.IpInCn.IPV4, HostnameScheme.named("http").ipInCn());
        assertEquals(HostnameScheme.IpInCn.ANY, HostnameScheme.DEFAULT.ipInCn());
        assertEquals(HostnameScheme.CheckCn.WHEN_ONLY, HostnameScheme.named("gist").checkCn());
        assertTrue(HostnameScheme.named("none").isNone());
    }

    @Test
    void unknownSchemeIsAConfigurationErrorListingTheKnownNames() {
        TlsException e = assertThrows(TlsException.class, () -> HostnameScheme.named("https"));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        // docs/errors.md: options are named by their Java names.
        assertTrue(e.getMessage().startsWith("hostnameScheme (SSL_verifycn_scheme): unknown scheme 'https'"), e.getMessage());
        assertTrue(e.getMessage().contains("'https'") && e.getMessage().contains("rfc5922"), e.getMessage());
    }

    @Test
    void leftmostIsFullLabel() {
        assertEquals(HostnameScheme.Wildcards.FULL_LABEL, HostnameScheme.Wildcards.fromReferenceName("leftmost"));
        assertThrows(IllegalArgumentException.class, () -> HostnameScheme.Wildcards.fromReferenceName("everywhere"));
    }

    @Test
    void callbackAnswerIsFinal() {
        X509Certificate cert = TestCertificates.mint("cn.example", "DNS:alt.example", "IP:10.0.0.1");
        List<Object> seen = new ArrayList<>();
        HostnameScheme yes = HostnameScheme.builder().callback((name, cn, sans) -> {
            seen.add(name);
            seen.add(cn);
            seen.add(sans.toString());
            return true;
        }).build();
        assertTrue(HostnameVerification.verify("anything.example..", cert, yes, PublicSuffix.builtIn()));
        assertEquals(List.of("anything.example", "cn.example", "[DNS:alt.example, IP:10.0.0.1]"), seen);
        HostnameScheme no = HostnameScheme.builder().checkCn(HostnameScheme.CheckCn.ALWAYS)
                .callback((name, cn, sans) -> false).build();
        assertFalse(HostnameVerification.verify("alt.example", cert, no, PublicSuffix.builtIn()));
    }

    @Test
    void resultNamesExpectedAndFound() throws Exception {
        X509Certificate cert = TestCertificates.mint("c.example", "DNS:a.example", "DNS:*.b.example", "IP:192.0.2.1");
        HostnameVerification.Result r = HostnameVerification.check("www.other.example", cert,
                HostnameScheme.named("smtp"), PublicSuffix.builtIn());
        assertFalse(r.matched());
        assertEquals(List.of("DNS:a.example", "DNS:*.b.example", "CN=c.example"), r.compared());
        TlsException e = r.toException();
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, e.code());
        assertEquals("expected 'www.other.example' under scheme smtp, certificate has DNS:a.example, DNS:*.b.example, "
                + "IP:192.0.2.1, CN=c.example: no name matched", e.getMessage());

        HostnameVerification.Result ok = HostnameVerification.check("x.b.example", cert,
                HostnameScheme.named("smtp"), PublicSuffix.builtIn());
        assertEquals("DNS:*.b.example", ok.matchedBy().orElseThrow());

        HostnameVerification.Result suffix = HostnameVerification.check("www.co.uk",
                TestCertificates.mint(null, "DNS:*.co.uk"), HostnameScheme.named("http"), PublicSuffix.builtIn());
        assertFalse(suffix.matched());
        assertTrue(suffix.reason().contains("public suffix (co.uk)"), suffix.reason());
        assertTrue(HostnameVerification.verify("www.co.uk", TestCertificates.mint(null, "DNS:*.co.uk"),
                HostnameScheme.named("http"), PublicSuffix.none()));
    }

    @Test
    void deliberateDeviations() {
        // The reference's xn-- test is case-sensitive, so "x*" matched "XN--LWE-SNA"; ours ignores case.
        X509Certificate prefix = TestCertificates.mint(null, "DNS:x*.example.com");
        assertFalse(HostnameVerification.verify("XN--LWE-SNA.example.com", prefix, HostnameScheme.DEFAULT));
        assertTrue(HostnameVerification.verify("xyz.example.com", prefix, HostnameScheme.DEFAULT));
        // Only ASCII digits make an IPv4 address (Perl reads U+0661 as the digit 1, numerically 0).
        X509Certificate ip = TestCertificates.mint(null, "IP:0.2.3.4");
        assertFalse(HostnameVerification.verify("\u0661.2.3.4", ip, HostnameScheme.DEFAULT));
    }

    @Test
    void ipv4AndIpv6NeverEqual() {
        X509Certificate mapped = TestCertificates.mint(null, "IP:#00000000000000000000ffff0a010203");
        assertFalse(HostnameVerification.verify("10.1.2.3", mapped, HostnameScheme.DEFAULT));
        assertTrue(HostnameVerification.verify("::ffff:10.1.2.3", mapped, HostnameScheme.DEFAULT));
    }

    @Test
    void publicSuffixFilesAndErrors(@TempDir Path dir) throws Exception {
        assertTrue(PublicSuffix.builtIn().version().orElseThrow().matches("\\d{4}-\\d{2}-\\d{2}.*"));
        Path file = dir.resolve("psl.dat");
        Files.writeString(file, "// VERSION: test-1\nco.uk\n敎育.hk\n*.kobe.jp\n!city.kobe.jp\n", StandardCharsets.UTF_8);
        PublicSuffix list = PublicSuffix.fromFile(file);
        assertEquals("test-1", list.version().orElseThrow());
        assertEquals("敎育.hk", list.publicSuffix("www.test.敎育.hk", 0).orElseThrow().suffix());
        assertEquals("kobe.jp", list.publicSuffix("www.city.kobe.jp", 0).orElseThrow().suffix());

        TlsException missing = assertThrows(TlsException.class, () -> PublicSuffix.fromFile(dir.resolve("nope.dat")));
        assertEquals(TlsErrorCode.BAD_INPUT, missing.code());
        assertTrue(missing.getMessage().contains("nope.dat"), missing.getMessage());

        Files.write(dir.resolve("latin1.dat"), new byte[] {'c', 'o', 'm', '\n', (byte) 0xe9, '\n'});
        TlsException notUtf8 = assertThrows(TlsException.class, () -> PublicSuffix.fromFile(dir.resolve("latin1.dat")));
        assertTrue(notUtf8.getMessage().contains("latin1.dat"), notUtf8.getMessage());

        TlsException badRule = assertThrows(TlsException.class, () -> PublicSuffix.fromString("com\nü..de\n"));
        assertEquals(TlsErrorCode.BAD_INPUT, badRule.code());
        assertTrue(badRule.getMessage().contains("line 2"), badRule.getMessage());
    }
}
