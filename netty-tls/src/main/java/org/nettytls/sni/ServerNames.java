package org.nettytls.sni;

import java.net.IDN;
import java.util.Locale;

/**
 * The one form in which server names are compared: ASCII (IDN names as A-labels), lower case,
 * without a trailing dot. Both the mapping's names and the names clients send pass through here.
 */
final class ServerNames {
    /** RFC 1035's limit for a whole name, without the trailing dot. */
    static final int MAX_LENGTH = 253;

    private ServerNames() {
    }

    /**
     * The canonical form of {@code name}, or {@code null} when it is no host name (empty labels,
     * characters outside letters, digits, hyphen and underscore, labels over 63 bytes, a name over
     * 253 bytes, an IP literal; a leading {@code *.} only when {@code wildcard}).
     */
    static String canonical(String name, boolean wildcard) {
        if (name == null) {
            return null;
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        boolean star = wildcard && n.startsWith("*.");
        if (star) {
            n = n.substring(2);
        }
        String ascii;
        try {
            // IDN.toASCII leaves an all-ASCII name as it is (its over-long labels, which it
            // refuses, are refused below too): only other names pay for the conversion.
            ascii = isAscii(n) ? n : IDN.toASCII(n, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return null;
        }
        ascii = ascii.toLowerCase(Locale.ROOT);
        if (ascii.isEmpty() || ascii.length() > MAX_LENGTH - (star ? 2 : 0) || isIpLiteral(ascii)) {
            return null;
        }
        // Labels of 1 to 63 letters, digits, hyphens and underscores, in one pass (once per connection).
        int labelLength = 0;
        for (int i = 0; i <= ascii.length(); i++) {
            char c = i == ascii.length() ? '.' : ascii.charAt(i);
            if (c == '.') {
                if (labelLength == 0 || labelLength > 63) {
                    return null;
                }
                labelLength = 0;
            } else if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
                labelLength++;
            } else {
                return null;
            }
        }
        return star ? "*." + ascii : ascii;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** The wildcard that covers {@code canonical}'s first label, or {@code null} for a one-label name. */
    static String wildcardFor(String canonical) {
        int dot = canonical.indexOf('.');
        return dot < 0 ? null : "*" + canonical.substring(dot);
    }

    private static boolean isIpLiteral(String s) {
        // RFC 6066 3: "Literal IPv4 and IPv6 addresses are not permitted in HostName."
        if (s.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c == '.')) {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
