package org.nettytls.internal;

/** Not API: how certificate names are shown in messages and trimmed before they are compared. */
public final class NameText {
    private NameText() {
    }

    /**
     * {@code s} with C0/C1 controls and DEL as {@code \xNN}, and other characters that do not
     * print or that steer the text (format characters such as bidi overrides, line and paragraph
     * separators, lone surrogates, private-use and unassigned code points) as {@code \x{NNNN}}.
     */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp >= 0x7f && cp <= 0x9f) {
                b.append(String.format("\\x%02x", cp));
            } else if (!shows(cp)) {
                b.append(String.format("\\x{%04x}", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.toString();
    }

    private static boolean shows(int cp) {
        switch (Character.getType(cp)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
                return false;
            default:
                return true;
        }
    }

    /** Perl's {@code \s}: space, tab, newline, carriage return, form feed, vertical tab. */
    public static boolean isPerlSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /** {@code s} without Perl white space at either end. */
    public static String trimPerlSpace(String s) {
        int start = 0;
        int end = s.length();
        while (end > start && isPerlSpace(s.charAt(end - 1))) {
            end--;
        }
        while (start < end && isPerlSpace(s.charAt(start))) {
            start++;
        }
        return s.substring(start, end);
    }

    /** A dNSName or common name as the hostname check compares it: surrounding white space and trailing dots removed. */
    public static String comparedForm(String certificateName) {
        return stripTrailingDots(trimPerlSpace(certificateName));
    }

    /**
     * Perl's {@code s{\.+$}{}}: removes a run of dots at the end, or just before a final newline
     * (where Perl's {@code $} also matches).
     */
    public static String stripTrailingDots(String s) {
        int end = s.length();
        String tail = "";
        if (end > 0 && s.charAt(end - 1) == '\n') {
            end--;
            tail = "\n";
        }
        int cut = end;
        while (cut > 0 && s.charAt(cut - 1) == '.') {
            cut--;
        }
        if (cut == end) {
            return s;
        }
        return s.substring(0, cut) + tail;
    }
}
