package org.nettytls.verify;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nettytls.error.TlsException;
import org.nettytls.internal.Idna;

/**
 * The public suffix list (<a href="https://publicsuffix.org/">publicsuffix.org</a>), as
 * IO::Socket::SSL's {@code IO::Socket::SSL::PublicSuffix} reads and queries it, and as the
 * {@code SSL_verifycn_publicsuffix} option hands it to hostname verification: after a wildcard
 * in a certificate matched, the name must have more labels than its public suffix plus one, so
 * that {@code *.co.uk} or {@code *.com} never match anything.
 *
 * <p>{@link #builtIn()} is the list shipped inside httpclient5 (unpacked into this library at
 * build time), restricted to its ICANN section as the reference does; {@link #version()} says
 * which publication it is. {@link #fromFile(Path)} and {@link #fromString(String)} take every rule
 * they are given. Rules may be written with U-labels; they are compared in IDNA A-labels.
 *
 * <p><b>Please note:</b> {@link #none()} turns the public-suffix check of hostname verification
 * off, so that a certificate for {@code *.co.uk} matches {@code www.co.uk}. Use it only to
 * reproduce the reference's {@code SSL_verifycn_publicsuffix => ''}.
 *
 * <p>Instances are immutable and may be shared between threads.
 */
public final class PublicSuffix {
    static final String BUILT_IN_RESOURCE = "public_suffix_list.dat";
    private static final Pattern VERSION = Pattern.compile("^// VERSION: *(\\S+)", Pattern.MULTILINE);
    private static final Pattern END_ICANN = Pattern.compile("^// ===END ICANN DOMAINS", Pattern.MULTILINE);
    private static final PublicSuffix NONE = new PublicSuffix(new Node(), 1, null, true);

    private final Node root;
    private final int minSuffix;
    private final String version;
    private final boolean none;

    private PublicSuffix(Node root, int minSuffix, String version, boolean none) {
        this.root = root;
        this.minSuffix = minSuffix;
        this.version = version;
        this.none = none;
    }

    /** Lazily parsed once: the list is large and many programs never verify a wildcard. */
    private static final class BuiltIn {
        static final PublicSuffix LIST = loadBuiltIn(false);
    }

    /** The whole built-in list, private section included, for the WEBPKI profile's wildcard rule. */
    private static final class BuiltInWithPrivate {
        static final PublicSuffix LIST = loadBuiltIn(true);
    }

    /**
     * {@return the built-in list with its private section too ({@code github.io}, {@code blogspot.com}, ...): what
     * the CA/Browser Forum's "registry-controlled or public suffix" wildcard rule refers to}
     */
    public static PublicSuffix builtInWithPrivateSection() {
        return BuiltInWithPrivate.LIST;
    }

    /**
     * {@return the built-in list: the ICANN section of the list shipped in httpclient5, with {@code min_suffix} 1 (a
     * name matching no rule has a one-label suffix)}
     */
    public static PublicSuffix builtIn() {
        return BuiltIn.LIST;
    }

    /**
     * {@return no list: hostname verification skips the public-suffix check ({@code SSL_verifycn_publicsuffix =>
     * ''})}
     */
    public static PublicSuffix none() {
        return NONE;
    }

    /**
     * Rules from a file in the list's format (UTF-8, one rule per line, {@code //} comments,
     * {@code *.} wildcards and {@code !} exceptions). Every rule in the file is used, including a
     * private section if the file has one.
     *
     * @param file a file in the Public Suffix List's format
     * @return the list
     * @throws TlsException {@code BAD_INPUT} naming the file when it cannot be read or has a rule
     *         that cannot be converted to IDNA A-labels
     */
    public static PublicSuffix fromFile(Path file) throws TlsException {
        Objects.requireNonNull(file, "file");
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw TlsException.badInput("public suffix file " + file, "not UTF-8", e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw TlsException.badInput("public suffix file " + file, "no such file", e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw TlsException.badInput("public suffix file " + file, "cannot be read: permission denied", e);
        } catch (IOException e) {
            throw TlsException.badInput("public suffix file " + file, "cannot be read: " + e.getMessage(), e);
        }
        return parse(text, "public suffix file " + file);
    }

    /**
     * Rules from a string, as {@link #fromFile(Path)} reads them from a file.
     *
     * @param rules the rules, one a line
     * @return the list
     * @throws TlsException ({@code BAD_INPUT}) for a rule that cannot be parsed
     */
    public static PublicSuffix fromString(String rules) throws TlsException {
        Objects.requireNonNull(rules, "rules");
        return parse(rules, "public suffix rules");
    }

    /**
     * This list with another {@code min_suffix}: the number of labels taken as the suffix of a
     * name that matches no rule (the reference's default is 1; 0 makes unknown TLDs empty).
     *
     * @param minSuffix the number of labels, 0 or more
     * @return a new list
     */
    public PublicSuffix withMinSuffix(int minSuffix) {
        if (minSuffix < 0) {
            throw new IllegalArgumentException("minSuffix must not be negative: " + minSuffix);
        }
        return new PublicSuffix(root, minSuffix, version, none);
    }

    /** {@return the {@code min_suffix} of this list} */
    public int minSuffix() {
        return minSuffix;
    }

    /**
     * {@return the publication of the list ({@code // VERSION:} line, e.g. {@code 2026-10-06_16-13-12_UTC}), if it
     * has one}
     */
    public Optional<String> version() {
        return Optional.ofNullable(version);
    }

    /** {@return {@code true} for {@link #none()}} */
    public boolean isNone() {
        return none;
    }

    /**
     * Splits {@code name} into its public suffix (plus {@code add} more labels) and the rest,
     * exactly as the reference's {@code public_suffix($name, $add)}: case is ignored, a name with
     * U-labels is answered in U-labels, empty labels are skipped, and a name matching no rule
     * gets a suffix of {@link #minSuffix()} labels. With {@code add} 1 the suffix is the
     * registrable domain ({@code www.bar.co.uk} gives {@code bar.co.uk} and {@code www}).
     *
     * <p>A trailing dot of an absolute name is kept on the suffix ({@code www.example.com.} gives
     * {@code com.}), as in IO::Socket::SSL 2.099; 2.081 dropped it.
     *
     * @param name the name
     * @param add how many more labels to take into the suffix
     * @return empty for a {@code null} name, a name without labels, or one that cannot be converted
     *         to IDNA A-labels
     */
    public Optional<Split> publicSuffix(String name, int add) {
        if (name == null) {
            return Optional.empty();
        }
        boolean unicode = !Idna.isAscii(name);
        String ascii = unicode ? Idna.toAscii(name) : name;
        if (ascii == null) {
            return Optional.empty();
        }
        ascii = Idna.asciiLower(ascii);
        boolean absolute = ascii.endsWith(".");
        if (absolute) {
            ascii = ascii.substring(0, ascii.length() - 1);
        }
        List<String> labels = new ArrayList<>();
        for (String part : ascii.split("\\.")) {
            if (!part.isEmpty()) {
                labels.add(part);
            }
        }
        if (labels.isEmpty()) {
            return Optional.empty();
        }
        int len = suffixLength(labels, add);
        String suffix = String.join(".", labels.subList(labels.size() - len, labels.size()));
        String rest = String.join(".", labels.subList(0, labels.size() - len));
        if (unicode) {
            suffix = Idna.toUnicode(suffix);
            rest = Idna.toUnicode(rest);
            if (suffix == null || rest == null) {
                return Optional.empty();
            }
        }
        if (absolute && !suffix.isEmpty()) {
            suffix = suffix + ".";
        }
        return Optional.of(new Split(suffix, rest));
    }

    /**
     * The reference's array form, {@code public_suffix(\@labels, $add)}: labels as given (A-labels,
     * any case; compared lower-cased), answered lower-cased and joined with dots.
     *
     * @param labels the name's labels, leftmost first
     * @param add how many more labels to take into the suffix
     * @return empty for an empty list
     */
    public Optional<Split> publicSuffixOfLabels(List<String> labels, int add) {
        Objects.requireNonNull(labels, "labels");
        if (labels.isEmpty()) {
            return Optional.empty();
        }
        List<String> lower = new ArrayList<>(labels.size());
        for (String l : labels) {
            lower.add(Idna.asciiLower(Objects.requireNonNull(l, "label")));
        }
        int len = suffixLength(lower, add);
        return Optional.of(new Split(String.join(".", lower.subList(lower.size() - len, lower.size())),
                String.join(".", lower.subList(0, lower.size() - len))));
    }

    /**
     * The number of trailing labels of {@code labels} (A-labels, any case) that form the public
     * suffix plus {@code add}, capped at the number of labels; the reference's array form.
     */
    int suffixLength(List<String> labels, int add) {
        Map<Integer, Boolean> wild = new HashMap<>();
        Map<Integer, Boolean> host = new HashMap<>();
        Map<Integer, Boolean> exception = new HashMap<>();
        List<String> lower = new ArrayList<>(labels.size());
        for (String l : labels) {
            lower.add(Idna.asciiLower(l));
        }
        walk(root, lower, 0, wild, host, exception);
        wild.keySet().removeAll(exception.keySet());
        int len = -1;
        for (int k : wild.keySet()) {
            len = Math.max(len, k);
        }
        for (int k : host.keySet()) {
            len = Math.max(len, k);
        }
        for (int k : exception.keySet()) {
            len = Math.max(len, k - 1);
        }
        if (len < 0) {
            len = minSuffix;
        }
        len += add;
        return Math.max(0, Math.min(len, labels.size()));
    }

    /**
     * Depth-first over every path of exact and {@code *} rule labels; records at which depth a rule
     * ends. The reference does the same with an explicit stack; the recorded sets are identical.
     */
    private static void walk(Node node, List<String> labels, int depth,
            Map<Integer, Boolean> wild, Map<Integer, Boolean> host, Map<Integer, Boolean> exception) {
        if (depth >= labels.size()) {
            return;
        }
        Node exact = node.children.get(labels.get(labels.size() - 1 - depth));
        if (exact != null && exact.end != 0) {
            (exact.end > 0 ? host : exception).put(depth + 1, Boolean.TRUE);
        }
        Node star = node.children.get("*");
        if (star != null && star.end != 0) {
            (star.end > 0 ? wild : exception).put(depth + 1, Boolean.TRUE);
        }
        if (exact != null) {
            walk(exact, labels, depth + 1, wild, host, exception);
        }
        if (star != null) {
            walk(star, labels, depth + 1, wild, host, exception);
        }
    }

    private static PublicSuffix loadBuiltIn(boolean withPrivateSection) {
        try (InputStream in = PublicSuffix.class.getResourceAsStream(BUILT_IN_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("built-in public suffix list " + BUILT_IN_RESOURCE
                        + " is missing from the netty-tls jar (the build unpacks it from httpclient5)");
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher end = END_ICANN.matcher(text);
            if (!end.find()) {
                throw new IllegalStateException("built-in public suffix list has no '===END ICANN DOMAINS' line");
            }
            return parse(withPrivateSection ? text : text.substring(0, end.start()), text, "built-in public suffix list");
        } catch (TlsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("built-in public suffix list cannot be read", e);
        }
    }

    private static PublicSuffix parse(String text, String source) throws TlsException {
        return parse(text, text, source);
    }

    private static PublicSuffix parse(String rules, String whole, String source) throws TlsException {
        Matcher v = VERSION.matcher(whole);
        String version = v.find() ? v.group(1) : null;
        Node root = new Node();
        int lineNo = 0;
        for (String line : rules.split("\n", -1)) {
            lineNo++;
            int comment = line.indexOf("//");
            if (comment >= 0) {
                line = line.substring(0, comment);
            }
            line = stripTrailingWhitespace(line);
            if (line.isEmpty()) {
                continue;
            }
            if (!Idna.isAscii(line)) {
                String ascii = Idna.toAscii(line);
                if (ascii == null) {
                    throw TlsException.badInput(source, "line " + lineNo + ": rule '" + line
                            + "' cannot be converted to IDNA A-labels", null);
                }
                line = ascii;
            }
            boolean exception = line.startsWith("!");
            if (exception) {
                line = line.substring(1);
            }
            Node p = root;
            String[] path = line.split("\\.");
            for (int i = path.length - 1; i >= 0; i--) {
                p = p.children.computeIfAbsent(path[i], k -> new Node());
            }
            p.end = exception ? -1 : 1;
        }
        return new PublicSuffix(root, 1, version, false);
    }

    private static String stripTrailingWhitespace(String s) {
        int end = s.length();
        while (end > 0 && isPerlSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static boolean isPerlSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    @Override
    public String toString() {
        if (none) {
            return "PublicSuffix[none]";
        }
        return "PublicSuffix[" + (version == null ? "unversioned" : version) + ", min_suffix=" + minSuffix + "]";
    }

    /** One answer of {@link #publicSuffix(String, int)}. */
    public static final class Split {
        private final String suffix;
        private final String rest;

        Split(String suffix, String rest) {
            this.suffix = suffix;
            this.rest = rest;
        }

        /**
         * {@return the public suffix (plus the added labels); empty when the name's TLD is unknown and {@code
         * min_suffix} is 0}
         */
        public String suffix() {
            return suffix;
        }

        /** {@return the labels before the suffix; empty when the suffix is the whole name} */
        public String rest() {
            return rest;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Split && ((Split) o).suffix.equals(suffix) && ((Split) o).rest.equals(rest);
        }

        @Override
        public int hashCode() {
            return suffix.hashCode() * 31 + rest.hashCode();
        }

        @Override
        public String toString() {
            return rest + " + " + suffix;
        }
    }

    /** Built once while parsing, never changed afterwards, never exposed. */
    private static final class Node {
        final Map<String, Node> children = new HashMap<>();
        int end;
    }
}
