package org.nettytls.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nettytls.fuzz.Bytes;
import org.nettytls.fuzz.Property;
import org.nettytls.fuzz.Samples;

/** Properties for CA directory scanning ({@link CaStore.Builder#addDirectory}). */
public final class CaStoreFuzzTest {
    /**
     * A directory of intact and mutated files (hashed and plain names, and names that are skipped)
     * gives exactly the CAs of the files that still parse, whatever the broken ones hold; with none,
     * a TlsException.
     */
    @Test
    void aDirectoryYieldsExactlyTheCasOfItsReadableFiles(@TempDir Path root) {
        Samples s = Samples.get();
        List<byte[]> samples = s.certificatesAndKeys();
        String[] names = {"0a1b2c3d.0", "0a1b2c3d.1", "ca.pem", "x.crt", "y.CER", "notes.txt", "0a1b2c3d.r0"};
        int[] run = {0};
        Property.forAll("CA directory", (Random r) -> {
            byte[][] files = new byte[names.length][];
            for (int i = 0; i < names.length; i++) {
                int pick = r.nextInt(4);
                files[i] = pick == 0 ? null : pick == 1 ? (r.nextBoolean() ? s.caPem : s.chainPem) : Bytes.mutateOneOf(samples, r);
            }
            return files;
        }).tries(80).show(files -> {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < names.length; i++) {
                sb.append('\n').append(names[i]).append(": ").append(files[i] == null ? "absent" : Bytes.show(files[i]));
            }
            return sb.toString();
        }).check(files -> {
            Path dir = Files.createDirectory(root.resolve("d" + run[0]++));
            Set<X509Certificate> expected = new HashSet<>();
            for (int i = 0; i < names.length; i++) {
                if (files[i] == null) {
                    continue;
                }
                Files.write(dir.resolve(names[i]), files[i]);
                boolean scanned = !names[i].endsWith(".txt") && !names[i].endsWith(".r0");
                byte[] content = files[i];
                List<X509Certificate> certs = scanned ? Bytes.resultOrTlsException(() -> CertificateLoader.certificates(content, "f")) : null;
                if (certs != null) {
                    expected.addAll(certs);
                }
            }
            CaStore store = Bytes.resultOrTlsException(() -> CaStore.builder().addDirectory(dir).build());
            Set<X509Certificate> trusted = new HashSet<>();
            expected.removeIf(c -> !CaStore.mayIssue(c) && !CertificateFields.isSelfSigned(c));
            if (store != null) {
                trusted.addAll(store.certificates());
                trusted.addAll(store.directlyTrusted());
            }
            assertEquals(expected, trusted);
        });
    }
}
