package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The conformance vectors carry their provenance: every file in the vectors folder has a row in
 * its README naming the upstream source and the SHA-256 of the file as it is, and the README
 * states the licence. A file added or changed without its note fails here.
 */
class VectorsProvenanceTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|.*\\| `([0-9a-f]{64})` \\|$", Pattern.MULTILINE);

    @Test
    void everyVectorFileHasANoteWithItsDigest() throws Exception {
        String readme;
        try (InputStream in = Vectors.open("README.md")) {
            readme = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(readme.contains("noxxi/p5-io-socket-ssl") && readme.contains("2.099"), "the README names the upstream and its version");
        assertTrue(readme.contains("same terms as Perl itself") && readme.contains("Artistic License")
                && readme.contains("GNU General Public License"), "the README states the licence");
        Map<String, String> noted = new TreeMap<>();
        Matcher m = ROW.matcher(readme);
        while (m.find()) {
            noted.put(m.group(1), m.group(2));
        }
        Map<String, String> present = new TreeMap<>();
        Path dir = folder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = dir.relativize(f).toString().replace('\\', '/');
                if (!name.equals("README.md")) {
                    present.put(name, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
                }
            }
        }
        assertEquals(List.of("certs/server-cert.pem", "certs/server-ecc-cert.pem", "certs/test-ca.pem", "fingerprint_vectors.tsv",
                "public_suffix_vectors.tsv", "verify_hostname_vectors.tsv"), List.copyOf(present.keySet()));
        assertEquals(present, noted, "files in the vectors folder and their SHA-256 against the README's rows");
    }

    /** The vectors folder as compiled into this module's test classes (a folder, not a jar, in this module's own run). */
    private static Path folder() throws URISyntaxException {
        URL url = Vectors.class.getResource(Vectors.DIR);
        assertTrue(url != null && url.getProtocol().equals("file"), "the vectors folder is on the classpath as a folder: " + url);
        return Path.of(url.toURI());
    }
}
