package org.nettytls.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Not API: IDNA conversion as IO::Socket::SSL 2.081 does it through {@code URI::_idna} (RFC 3490 ToASCII
 * and ToUnicode with RFC 3492 Punycode), including where that differs from {@link java.net.IDN}:
 * its "nameprep" is only a Unicode lower-casing, so {@code ß} stays {@code ß} (Punycode
 * {@code xn--zca}) where {@code java.net.IDN} would map it to {@code ss}, and full-width or
 * compatibility characters are not folded. Certificates and names in the field are written with
 * the reference's conversion in mind, so we agree with it rather than with the JDK.
 *
 * <p>Every method returns {@code null} where the reference dies (an empty or over-long label, a
 * non-ASCII label that already starts with {@code xn--}, Punycode that does not round-trip).
 */
public final class Idna {
    private static final int BASE = 36;
    private static final int TMIN = 1;
    private static final int TMAX = 26;
    private static final int SKEW = 38;
    private static final int DAMP = 700;
    private static final int INITIAL_BIAS = 72;
    private static final int INITIAL_N = 128;
    private static final int MAX_LABEL = 63;

    private Idna() {
    }

    public static boolean isAscii(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Lower-cases only A-Z: what Perl's {@code lc} does to the byte strings certificates give it. */
    public static String asciiLower(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, (char) (c + 32));
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Perl's {@code lc} on a character string: the simple lower-case mapping, plus the one
     * unconditional full mapping (U+0130 to "i" U+0307). Unlike {@link String#toLowerCase}, no
     * context-dependent rule such as the Greek final sigma applies.
     */
    public static String unicodeLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp == 0x130) {
                b.append("i\u0307");
            } else {
                b.appendCodePoint(Character.toLowerCase(cp));
            }
        });
        return b.toString();
    }

    /** A whole domain to A-labels, or {@code null}. Labels are split at ASCII dots only. */
    public static String toAscii(String domain) {
        if (domain.isEmpty()) {
            return "";
        }
        List<String> labels = splitKeepingEmpty(domain);
        boolean trailingEmpty = labels.size() > 1 && labels.get(labels.size() - 1).isEmpty();
        if (trailingEmpty) {
            labels.remove(labels.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < labels.size(); i++) {
            String ascii = labelToAscii(labels.get(i));
            if (ascii == null) {
                return null;
            }
            if (i > 0) {
                out.append('.');
            }
            out.append(ascii);
        }
        if (trailingEmpty) {
            out.append('.');
        }
        return out.toString();
    }

    /** A whole domain to U-labels, or {@code null}. */
    public static String toUnicode(String domain) {
        if (domain.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        List<String> labels = splitKeepingEmpty(domain);
        for (int i = 0; i < labels.size(); i++) {
            String unicode = labelToUnicode(labels.get(i));
            if (unicode == null) {
                return null;
            }
            if (i > 0) {
                out.append('.');
            }
            out.append(unicode);
        }
        return out.toString();
    }

    public static String labelToAscii(String label) {
        if (isAscii(label)) {
            return checkSize(label);
        }
        String lower = unicodeLower(label);
        if (isAscii(lower)) {
            return checkSize(lower);
        }
        if (lower.startsWith("xn--")) {
            return null;
        }
        return checkSize("xn--" + encode(lower.codePoints().toArray()));
    }

    private static String labelToUnicode(String label) {
        if (!isAscii(label)) {
            label = unicodeLower(label);
        }
        if (!label.startsWith("xn--")) {
            return label;
        }
        int[] decoded = decode(label.substring(4));
        if (decoded == null) {
            return null;
        }
        String result = new String(decoded, 0, decoded.length);
        String again = labelToAscii(result);
        if (again == null || !asciiLower(label).equals(again)) {
            return null;
        }
        return result;
    }

    private static String checkSize(String label) {
        return label.isEmpty() || label.length() > MAX_LABEL ? null : label;
    }

    private static List<String> splitKeepingEmpty(String s) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    /** RFC 3492 section 6.3, over code points. */
    public static String encode(int[] input) {
        StringBuilder out = new StringBuilder();
        int basic = 0;
        for (int cp : input) {
            if (cp < 0x80) {
                out.append((char) cp);
                basic++;
            }
        }
        int handled = basic;
        if (basic > 0 && handled < input.length) {
            out.append('-');
        }
        long n = INITIAL_N;
        long delta = 0;
        long bias = INITIAL_BIAS;
        while (handled < input.length) {
            long m = Long.MAX_VALUE;
            for (int cp : input) {
                if (cp >= n && cp < m) {
                    m = cp;
                }
            }
            delta += (m - n) * (handled + 1);
            n = m;
            for (int cp : input) {
                if (cp < n) {
                    delta++;
                }
                if (cp == n) {
                    long q = delta;
                    for (long k = BASE; ; k += BASE) {
                        long t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
                        if (q < t) {
                            break;
                        }
                        out.append(digit(t + (q - t) % (BASE - t)));
                        q = (q - t) / (BASE - t);
                    }
                    out.append(digit(q));
                    bias = adapt(delta, handled + 1, handled == basic);
                    delta = 0;
                    handled++;
                }
            }
            delta++;
            n++;
        }
        return out.toString();
    }

    /** RFC 3492 section 6.2, or {@code null} for malformed input. */
    public static int[] decode(String input) {
        int n = INITIAL_N;
        long i = 0;
        long bias = INITIAL_BIAS;
        List<Integer> out = new ArrayList<>();
        int b = input.lastIndexOf('-');
        if (b >= 0) {
            for (int j = 0; j < b; j++) {
                char c = input.charAt(j);
                if (c >= 0x80) {
                    return null;
                }
                out.add((int) c);
            }
            b++;
        } else {
            b = 0;
        }
        int pos = b;
        while (pos < input.length()) {
            long oldi = i;
            long w = 1;
            for (long k = BASE; ; k += BASE) {
                if (pos >= input.length()) {
                    return null;
                }
                int digit = digitValue(input.charAt(pos++));
                if (digit < 0) {
                    return null;
                }
                i += digit * w;
                if (i > Integer.MAX_VALUE) {
                    return null;
                }
                long t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
                if (digit < t) {
                    break;
                }
                w *= BASE - t;
                if (i > Integer.MAX_VALUE || w > Integer.MAX_VALUE) {
                    return null;
                }
            }
            bias = adapt(i - oldi, out.size() + 1, oldi == 0);
            // RFC 3492 6.2 fails on overflow; an int would wrap to a negative code point.
            long next = n + i / (out.size() + 1);
            i %= out.size() + 1;
            if (next > Character.MAX_CODE_POINT) {
                return null;
            }
            n = (int) next;
            out.add((int) i, n);
            i++;
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static long adapt(long delta, int numPoints, boolean first) {
        delta = first ? delta / DAMP : delta / 2;
        delta += delta / numPoints;
        long k = 0;
        while (delta > ((BASE - TMIN) * TMAX) / 2) {
            delta /= BASE - TMIN;
            k += BASE;
        }
        return k + ((BASE - TMIN + 1) * delta) / (delta + SKEW);
    }

    private static char digit(long d) {
        return (char) (d < 26 ? 'a' + d : '0' + d - 26);
    }

    private static int digitValue(char c) {
        if (c >= 'A' && c <= 'Z') {
            return c - 'A';
        }
        if (c >= 'a' && c <= 'z') {
            return c - 'a';
        }
        if (c >= '0' && c <= '9') {
            return c - '0' + 26;
        }
        return -1;
    }
}
