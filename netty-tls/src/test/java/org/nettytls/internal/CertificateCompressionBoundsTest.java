package org.nettytls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSslCertificateCompressionAlgorithm;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RFC 8879 section 5 attacked directly: a peer's compressed certificate never decompresses to
 * more than its announced length, nor to less, and garbage is refused; a bomb (a megabyte of
 * zeros in a few hundred bytes) stops at the announced length without holding the rest.
 */
class CertificateCompressionBoundsTest {
    private static byte[] sample() {
        byte[] b = new byte[3000];
        Random r = new Random(8879);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 7 == 0 ? r.nextInt(256) : 'a' + i % 13);
        }
        return b;
    }

    @Test
    void roundTripsAtTheExactLengthOnly() throws Exception {
        for (String name : CertificateCompression.algorithmNames()) {
            OpenSslCertificateCompressionAlgorithm a = CertificateCompression.algorithm(name);
            byte[] in = sample();
            byte[] packed = a.compress(null, in);
            assertTrue(packed.length < in.length, name);
            assertArrayEquals(in, a.decompress(null, in.length, packed), name);
            IOException shorter = assertThrows(IOException.class, () -> a.decompress(null, in.length - 1, packed), name);
            assertTrue(shorter.getMessage().contains("more than"), shorter.getMessage());
            IOException longer = assertThrows(IOException.class, () -> a.decompress(null, in.length + 1, packed), name);
            assertTrue(longer.getMessage().contains("uncompressed_length"), longer.getMessage());
        }
    }

    @Test
    void aBombStopsAtTheAnnouncedLength() throws Exception {
        for (String name : CertificateCompression.algorithmNames()) {
            OpenSslCertificateCompressionAlgorithm a = CertificateCompression.algorithm(name);
            byte[] bomb = a.compress(null, new byte[1 << 20]);
            assertTrue(bomb.length < 2048, name + ": " + bomb.length);
            assertThrows(IOException.class, () -> a.decompress(null, 16384, bomb), name);
        }
    }

    @Test
    void garbageIsRefused() {
        for (String name : CertificateCompression.algorithmNames()) {
            OpenSslCertificateCompressionAlgorithm a = CertificateCompression.algorithm(name);
            byte[] junk = new byte[200];
            Arrays.fill(junk, (byte) 0x5a);
            assertThrows(IOException.class, () -> a.decompress(null, 1000, junk), name);
        }
    }

    @Test
    void compressionIsCachedByContent() throws Exception {
        OpenSslCertificateCompressionAlgorithm a = CertificateCompression.algorithm("zlib");
        byte[] first = a.compress(null, sample());
        // The same content compresses to the very same array: BoringSSL copies it, nobody writes to it.
        assertTrue(first == a.compress(null, sample()));
    }
}
