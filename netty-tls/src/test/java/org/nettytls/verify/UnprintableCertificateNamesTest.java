package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

/**
 * Certificate names holding control or non-ASCII characters: they never match (a deliberate
 * deviation from IO::Socket::SSL 2.081, whose wildcard pattern stops at a newline), and they
 * reach error messages escaped, so a certificate cannot write lines into a log.
 */
class UnprintableCertificateNamesTest {
    private static final PublicSuffix SUFFIXES = PublicSuffix.builtIn();

    private static boolean matchesUnderAnyScheme(String name, X509Certificate cert) throws TlsException {
        for (String named : HostnameScheme.knownNames()) {
            HostnameScheme scheme = HostnameScheme.named(named);
            if (!scheme.isNone() && HostnameVerification.verify(name, cert, scheme, SUFFIXES)) {
                return true;
            }
        }
        for (String custom : List.of("custom:check_cn=always,wildcards_in_alt=anywhere,wildcards_in_cn=anywhere,ip_in_cn=0",
                "custom:check_cn=always,wildcards_in_alt=full_label,wildcards_in_cn=full_label,ip_in_cn=0")) {
            if (HostnameVerification.verify(name, cert, SchemeSpec.parse(custom), SUFFIXES)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aWildcardCutShortByANewlineMatchesNothing() throws TlsException {
        // The reference matches this under default and http: its (.+) stops at the newline.
        X509Certificate san = TestCertificates.mint(null, "DNS:*.bank.com\n.attacker.example");
        assertFalse(matchesUnderAnyScheme("www.bank.com", san));
        HostnameVerification.Result r = HostnameVerification.check("www.bank.com", san, HostnameScheme.named("http"), SUFFIXES);
        assertFalse(r.matched());
        assertTrue(r.reason().contains("holds control or non-ASCII characters and never matches"), r.reason());
        // The same in the common name, and a common name ending in a newline (Perl's $ matches before it).
        assertFalse(matchesUnderAnyScheme("www.bank.com", TestCertificates.mint("*.bank.com\n.attacker.example")));
        assertFalse(matchesUnderAnyScheme("www.bank.com", TestCertificates.mint("*.bank.com\n")));
        assertFalse(matchesUnderAnyScheme("www.bank.com", TestCertificates.mint("www.bank.com\n")));
    }

    @Test
    void otherControlAndNonAsciiCharactersNeverMatch() throws TlsException {
        for (String bad : List.of("*.bank.com\r.attacker.example", "*.bank.com\u0000.x", "*.bank.com\u007f", "*.bank.com\u0085",
                "*.bank.com\u2028.x", "www.bank.com\u0000", "*.bank.c\u043em")) {
            assertFalse(matchesUnderAnyScheme("www.bank.com", TestCertificates.mint(bad, "DNS:" + bad)), bad);
        }
        // White space the reference trims off a dNSName is not part of the name.
        assertTrue(HostnameVerification.verify("www.bank.com", TestCertificates.mint(null, "DNS: *.bank.com\t"),
                HostnameScheme.named("http"), SUFFIXES));
    }

    @Test
    void certificateNamesInMessagesAreEscaped() throws TlsException {
        X509Certificate cert = TestCertificates.mint("evil\u202e.example\r\nWARN forged line",
                "DNS:x.example\nINFO forged line", "DNS:y.example\u0085z");
        HostnameVerification.Result r = HostnameVerification.check("www.example.org", cert, HostnameScheme.named("default"), SUFFIXES);
        TlsException e = r.toException();
        assertEquals(TlsErrorCode.HOSTNAME_MISMATCH, e.code());
        String message = e.getMessage();
        for (char c : message.toCharArray()) {
            assertTrue(c >= 0x20 && c != 0x7f && !(c >= 0x80 && c <= 0x9f) && c != '\u202e' && c != '\u2028',
                    "unescaped character " + (int) c + " in: " + message);
        }
        assertTrue(message.contains("DNS:x.example\\x0aINFO forged line"), message);
        // The IA5String's bytes are read one character each: C2 85 is "\u00c2" and NEL.
        assertTrue(message.contains("DNS:y.example\u00c2\\x85z"), message);
        assertTrue(message.contains("CN=evil\\x{202e}.example\\x0d\\x0aWARN forged line"), message);
        assertEquals(List.of("DNS:x.example\\x0aINFO forged line", "DNS:y.example\u00c2\\x85z",
                "CN=evil\\x{202e}.example\\x0d\\x0aWARN forged line"), r.compared());
    }
}
