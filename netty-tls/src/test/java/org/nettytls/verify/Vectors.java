package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference's conversion vectors: IO::Socket::SSL 2.099's hostname, public-suffix and
 * fingerprint cases, kept in this project's test resources under
 * {@code org/nettytls/verify/vectors} (its {@code README.md} says where each file comes from and
 * under what licence) and read from the classpath, so a clone needs nothing beside it. A missing
 * file fails the test: these vectors are the acceptance data, never optional. Public for the
 * examples module's command-line tests, which get them through the test jar.
 */
public final class Vectors {
    /** Where the files live, relative to this class. */
    static final String DIR = "vectors/";
    private static final Pattern ESCAPE = Pattern.compile("\\\\x([0-9a-fA-F]{2})");

    private Vectors() {
    }

    /** The file {@code relative} to the vectors folder (e.g. {@code certs/test-ca.pem}); the caller closes it. */
    public static InputStream open(String relative) {
        InputStream in = Vectors.class.getResourceAsStream(DIR + relative);
        if (in == null) {
            return fail("conformance vector file " + DIR + relative + " is not on the test classpath (it belongs in "
                    + "netty-tls/src/test/resources/org/nettytls/verify/" + DIR + ")");
        }
        return in;
    }

    /** One data row: its 1-based line number and its columns, {@code \xHH} escapes decoded. */
    public static final class Row {
        public final int line;
        final String[] cols;

        Row(int line, String[] cols) {
            this.line = line;
            this.cols = cols;
        }

        public String col(int i) {
            return i < cols.length ? cols[i] : "";
        }

        @Override
        public String toString() {
            return "line " + line + ": " + String.join(" | ", Arrays.asList(cols)).replace("\0", "\\x00");
        }
    }

    public static List<Row> read(String file) {
        try {
            List<String> lines;
            try (InputStream in = open(file)) {
                lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 1; i < lines.size(); i++) {
                if (lines.get(i).isEmpty()) {
                    continue;
                }
                String[] cols = lines.get(i).split("\t", -1);
                for (int c = 0; c < cols.length; c++) {
                    cols[c] = unescape(cols[c]);
                }
                rows.add(new Row(i + 1, cols));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String unescape(String s) {
        Matcher m = ESCAPE.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
        }
        m.appendTail(b);
        return b.toString();
    }
}
