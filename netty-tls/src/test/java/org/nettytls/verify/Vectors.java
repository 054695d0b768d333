package org.nettytls.verify;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reference's conversion vectors in {@code shared/reference/vectors}, found by walking up
 * from the working directory (CI clones the project next to {@code shared/}). A missing folder
 * fails the test: these vectors are the acceptance data, never optional. Public for the examples
 * module's command-line tests.
 */
public final class Vectors {
    private static final Pattern ESCAPE = Pattern.compile("\\\\x([0-9a-fA-F]{2})");

    private Vectors() {
    }

    public static Path dir() {
        for (Path p = Paths.get(System.getProperty("user.dir")).toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared/reference/vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return fail("shared/reference/vectors not found above " + System.getProperty("user.dir")
                + " (CI layout: <clone>/../shared/reference/vectors)");
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
            List<String> lines = Files.readAllLines(dir().resolve(file), StandardCharsets.UTF_8);
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
