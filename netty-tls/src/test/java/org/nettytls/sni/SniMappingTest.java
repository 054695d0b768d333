package org.nettytls.sni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nettytls.error.TlsErrorCode;
import org.nettytls.error.TlsException;

class SniMappingTest {
    private static String matched(SniMapping m, String name) {
        SniMapping.Entry e = m.find(name);
        return e == null ? null : e.isDefault() ? "(default)" : e.name();
    }

    @Test
    void exactWildcardAndDefault() throws Exception {
        SniMapping m = SniPki.mapping(true).build();
        assertEquals("a.test", matched(m, "a.test"));
        assertEquals("a.test", matched(m, "A.TEST."), "case and a trailing dot do not matter");
        assertEquals("*.wild.test", matched(m, "x.wild.test"));
        assertEquals("exact.wild.test", matched(m, "EXACT.wild.test"));
        assertEquals("(default)", matched(m, "wild.test"), "a wildcard does not cover its own base");
        assertEquals("(default)", matched(m, "a.b.wild.test"), "a wildcard covers one label");
        assertEquals("(default)", matched(m, null));
        assertEquals("(default)", matched(m, "a..test"));
    }

    @Test
    void noDefaultMeansNoMatch() throws Exception {
        SniMapping m = SniPki.mapping(false).build();
        assertNull(m.find("nobody.test"));
        assertNull(m.find(null));
        assertNull(m.lookup("nobody.test").toCompletableFuture().join());
    }

    @Test
    void idnNamesMatchByTheirALabels() throws Exception {
        SniMapping m = SniMapping.builder().add("bücher.test", SniPki.options(SniPki.B_EC).build()).build();
        assertEquals("xn--bcher-kva.test", matched(m, "xn--bcher-kva.test"));
        assertEquals("xn--bcher-kva.test", matched(m, "BÜCHER.test"));
    }

    @Test
    void configurationMistakesAreNamed() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> SniMapping.builder().add("a b", SniPki.options(SniPki.B_EC).build()));
        assertThrows(IllegalArgumentException.class, () -> SniMapping.builder().add("127.0.0.1", SniPki.options(SniPki.B_EC).build()));
        assertThrows(IllegalArgumentException.class, () -> SniMapping.builder()
                .add("a.test", SniPki.options(SniPki.B_EC).build()).add("A.test.", SniPki.options(SniPki.B_EC).build()));
        assertThrows(IllegalArgumentException.class, () -> SniMapping.builder().add("", SniPki.options(SniPki.B_EC).build()),
                "the default is addDefault, not a magic empty name");
        assertThrows(IllegalArgumentException.class, () -> SniMapping.builder()
                .addDefault(SniPki.options(SniPki.B_EC).build()).addDefault(SniPki.options(SniPki.A_EC).build()));
        TlsException twoEc = assertThrows(TlsException.class, () -> SniPki.options(SniPki.A_EC)
                .addCertificate(SniPki.B_EC.keyMaterial()).build());
        assertEquals(TlsErrorCode.BAD_CONFIGURATION, twoEc.code());
        assertTrue(twoEc.getMessage().contains("key type of its own"), twoEc::getMessage);
    }
}
