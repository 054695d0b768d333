package org.nettytls.protocol.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;
import org.nettytls.protocol.internal.ProtocolVersions.Version;

class ProtocolAndCipherTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SSLv23:!SSLv3:!SSLv2 | TLSv1,TLSv1.1,TLSv1.2,TLSv1.3",
            "SSLv23:!SSLv3:!SSLv2:!TLSv1_1:!TLSv1 | TLSv1.2,TLSv1.3",
            "TLSv1_2 | TLSv1.2",
            "tlsv12 | TLSv1.2",
            "TLSv1.3 | TLSv1.3",
            "TLSV1_3 | TLSv1.3",
            "!TLSv1:!TLSv11 | TLSv1.2,TLSv1.3",
            "SSLv2/3 : !TLSv1_3 | TLSv1,TLSv1.1,TLSv1.2",
            "TLSv1 | TLSv1",
            "TLSv1_2:!SSLv3 | TLSv1.2",
    })
    void referenceSyntax(String spec, String expected) throws TlsException {
        assertEquals(List.of(expected.split(",")), ProtocolVersions.parse(spec).jdkNames());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "SSLv3 | BoringSSL does not implement",
            "SSLv2:!TLSv1 | SSLv2",
            "TLSv1_2:TLSv1_3 | only one version may be named",
            "TLSv1_4 | is not a version",
            "TLSv1_2:!TLSv1_2 | leaves no version allowed",
            "!SSLv23 | excludes every version",
    })
    void badVersionsNameTheirPart(String spec, String fragment) {
        TlsException e = assertThrows(TlsException.class, () -> ProtocolVersions.parse(spec));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        assertTrue(e.getMessage().startsWith("protocols (SSL_version): "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void emptyVersionStringIsRefused() {
        TlsException e = assertThrows(TlsException.class, () -> ProtocolVersions.parse(" "));
        assertEquals("protocols (SSL_version): empty version string", e.getMessage());
    }

    @Test
    void theReferenceDefaultCipherStringIsAccepted() throws TlsException {
        // Users paste the reference's default; its exclusions of what BoringSSL lacks are harmless.
        List<String> suites = CipherList.parse("DEFAULT !EXP !MEDIUM !LOW !eNULL !aNULL !RC4 !DES !MD5 !PSK !SRP").suites();
        assertFalse(suites.isEmpty());
        assertTrue(suites.stream().noneMatch(s -> s.contains("NULL") || s.contains("RC4")), suites.toString());
    }

    @Test
    void defaultIsTls12And13Only() {
        assertEquals(EnumSet.of(Version.TLSv1_2, Version.TLSv1_3), ProtocolVersions.DEFAULT.versions());
        assertEquals(0x0304, Version.TLSv1_3.wireVersion());
        assertEquals("TLSv1_3", Version.TLSv1_3.referenceName());
    }

    @Test
    void defaultCiphersAreForwardSecretAeadOnly() {
        List<String> suites = CipherList.defaults().suites();
        assertFalse(suites.isEmpty());
        for (String s : suites) {
            assertTrue(s.startsWith("ECDHE-"), s + " is not forward secret");
            assertTrue(s.contains("GCM") || s.contains("CHACHA20-POLY1305"), s + " is not an AEAD");
            assertFalse(s.contains("PSK"), s);
        }
        assertTrue(suites.contains("ECDHE-ECDSA-AES128-GCM-SHA256"), suites.toString());
        assertTrue(suites.contains("ECDHE-RSA-CHACHA20-POLY1305"), suites.toString());
    }

    @Test
    void openSslRuleStringsExpandInEngineOrder() throws TlsException {
        assertEquals(List.of("ECDHE-RSA-AES256-GCM-SHA384"), CipherList.parse("ECDHE-RSA-AES256-GCM-SHA384").suites());
        List<String> ecdsa = CipherList.parse("ECDHE+AESGCM:!aRSA").suites();
        assertTrue(ecdsa.stream().allMatch(s -> s.startsWith("ECDHE-ECDSA-")), ecdsa.toString());
        // Space- and comma-separated lists work as in OpenSSL.
        assertEquals(2, CipherList.parse("ECDHE-RSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES128-GCM-SHA256").suites().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ECDHE-RSA-AES128-GCM-SHA256:NOT-A-CIPHER", "BOGUS", "HIGH:!RC44"})
    void unknownCipherIsNamed(String spec) {
        TlsException e = assertThrows(TlsException.class, () -> CipherList.parse(spec));
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, e.code());
        String bad = spec.contains(":") ? spec.substring(spec.lastIndexOf(':') + 1) : spec;
        assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        assertTrue(e.getMessage().startsWith("cipherList (SSL_cipher_list): "), e.getMessage());
    }

    @Test
    void aListThatSelectsNothingIsRefused() {
        TlsException e = assertThrows(TlsException.class, () -> CipherList.parse("ECDHE+AESGCM:!ECDHE"));
        assertTrue(e.getMessage().contains("selects no cipher suite") || e.getMessage().contains("BoringSSL rejects"),
                e.getMessage());
    }
}
