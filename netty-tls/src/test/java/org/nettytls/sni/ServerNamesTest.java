package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.IDN;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The canonical form of server names, which every SNI match goes through. All-ASCII names skip
 * IDN conversion (a per-connection cost): these pin that they are judged exactly as before, and
 * that the validation that replaced a regular expression refuses what it refused.
 */
class ServerNamesTest {
    @Test
    void asciiNamesAreLowerCasedWithoutTheirTrailingDot() {
        assertEquals("www.example.org", ServerNames.canonical("WWW.Example.ORG.", false));
        assertEquals("a_b-c.example", ServerNames.canonical("A_B-c.example", false));
        assertEquals("xn--bcher-kva.example", ServerNames.canonical("XN--BCHER-KVA.example", false),
                "an A-label passes as it is, only lower-cased");
        assertEquals("localhost", ServerNames.canonical("localhost", false));
    }

    @Test
    void unicodeNamesBecomeALabels() {
        assertEquals("xn--bcher-kva.example", ServerNames.canonical("Bücher.example", false));
        assertEquals(IDN.toASCII("ドメイン.テスト", IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT),
                ServerNames.canonical("ドメイン。テスト", false), "ideographic full stops separate labels");
    }

    @Test
    void labelsAreLettersDigitsHyphensAndUnderscoresOf1To63() {
        String label63 = "a".repeat(63);
        assertEquals(label63 + ".example", ServerNames.canonical(label63 + ".example", false));
        assertNull(ServerNames.canonical("a".repeat(64) + ".example", false), "a label over 63");
        assertNull(ServerNames.canonical("a..example", false), "an empty label");
        assertNull(ServerNames.canonical(".example", false), "an empty first label");
        assertNull(ServerNames.canonical("example..", false), "an empty last label under the trailing dot");
        assertNull(ServerNames.canonical("", false));
        assertNull(ServerNames.canonical(".", false));
        assertNull(ServerNames.canonical("a b.example", false));
        assertNull(ServerNames.canonical("a/b.example", false));
        assertNull(ServerNames.canonical("a\u0000.example", false), "a NUL");
        assertNull(ServerNames.canonical("*.example", false), "a star where no wildcard is allowed");
        assertNull(ServerNames.canonical("a*.example", true), "a star inside a label");
    }

    @Test
    void wholeNameAtMost253() {
        String name = ("a".repeat(62) + ".").repeat(4) + "a"; // 4 * 63 + 1 = 253
        assertEquals(253, ServerNames.canonical(name, false).length());
        assertNull(ServerNames.canonical(name + "a", false));
        assertNull(ServerNames.canonical("*." + name, true), "the star counts");
    }

    @Test
    void ipLiteralsAreNoServerNames() {
        assertNull(ServerNames.canonical("192.0.2.1", false));
        assertNull(ServerNames.canonical("1.2.3.4.5", false), "digits and dots only");
        assertNull(ServerNames.canonical("::1", false));
        assertNull(ServerNames.canonical("[2001:db8::1]", false));
        assertEquals("1a.example", ServerNames.canonical("1a.example", false), "a digit-led label is a name");
        assertEquals("123.example", ServerNames.canonical("123.example", false));
    }

    @Test
    void wildcardsKeepTheirStar() {
        assertEquals("*.example.org", ServerNames.canonical("*.EXAMPLE.org", true));
        assertEquals("*.example.org", ServerNames.wildcardFor("www.example.org"));
        assertNull(ServerNames.wildcardFor("localhost"));
    }
}
