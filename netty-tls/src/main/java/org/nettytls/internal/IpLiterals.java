package org.nettytls.internal;

/**
 * Not API: IP literals as the reference recognises them. Not {@link java.net.InetAddress}: that resolves
 * names, accepts zone ids and turns {@code ::ffff:a.b.c.d} into a 4-byte address, while the
 * reference keeps every IPv6 literal at 16 bytes so that it never equals an IPv4 address.
 */
public final class IpLiterals {
    private IpLiterals() {
    }

    /** The outcome of looking at a name: a hostname, an address, or an invalid IP-like name. */
    public enum Kind { HOSTNAME, ADDRESS, INVALID }

    /**
     * Classifies {@code identity} the way {@code verify_hostname_of_cert} does: a name with a colon
     * is IPv6 or invalid; one that starts with a decimal digit and has only digits and dots is
     * IPv4 (exactly four decimal octets under 256, leading zeros allowed and decimal) or invalid;
     * everything else is a hostname. Perl's {@code $} also matches before a final newline, so a
     * single trailing {@code \n} after an IPv4 literal is tolerated, as there.
     */
    public static Kind classify(String identity, byte[][] address) {
        if (identity.indexOf(':') >= 0) {
            for (int i = 0; i < identity.length(); i++) {
                char c = identity.charAt(i);
                if (!(isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.')) {
                    return Kind.INVALID;
                }
            }
            byte[] ip = ipv6(identity);
            if (ip == null) {
                return Kind.INVALID;
            }
            address[0] = ip;
            return Kind.ADDRESS;
        }
        String s = identity.endsWith("\n") ? identity.substring(0, identity.length() - 1) : identity;
        if (s.isEmpty() || !isDigit(s.charAt(0))) {
            return Kind.HOSTNAME;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isDigit(c) && c != '.') {
                return Kind.HOSTNAME;
            }
        }
        String[] octets = s.split("\\.", -1);
        if (octets.length != 4) {
            return Kind.INVALID;
        }
        byte[] ip = new byte[4];
        for (int i = 0; i < 4; i++) {
            int v = decimalOctet(octets[i]);
            if (v < 0) {
                return Kind.INVALID;
            }
            ip[i] = (byte) v;
        }
        address[0] = ip;
        return Kind.ADDRESS;
    }

    private static int decimalOctet(String digits) {
        if (digits.isEmpty()) {
            return -1;
        }
        int start = 0;
        while (start < digits.length() - 1 && digits.charAt(start) == '0') {
            start++;
        }
        String significant = digits.substring(start);
        if (significant.length() > 3) {
            return -1;
        }
        int v = Integer.parseInt(significant);
        return v < 256 ? v : -1;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** glibc's {@code inet_pton(AF_INET6, ...)}, which the reference calls: 16 bytes or {@code null}. */
    public static byte[] ipv6(String src) {
        byte[] tmp = new byte[16];
        int tp = 0;
        int colonp = -1;
        int pos = 0;
        int end = src.length();
        if (end == 0) {
            return null;
        }
        if (src.charAt(0) == ':') {
            pos++;
            if (pos == end || src.charAt(pos) != ':') {
                return null;
            }
        }
        int curtok = pos;
        int digits = 0;
        int val = 0;
        while (pos < end) {
            char ch = src.charAt(pos++);
            int d = Character.digit(ch, 16);
            if (d >= 0 && ch < 0x80) {
                if (digits == 4) {
                    return null;
                }
                val = (val << 4) | d;
                digits++;
                continue;
            }
            if (ch == ':') {
                curtok = pos;
                if (digits == 0) {
                    if (colonp >= 0) {
                        return null;
                    }
                    colonp = tp;
                    continue;
                } else if (pos == end) {
                    return null;
                }
                if (tp + 2 > 16) {
                    return null;
                }
                tmp[tp++] = (byte) (val >> 8);
                tmp[tp++] = (byte) val;
                digits = 0;
                val = 0;
                continue;
            }
            if (ch == '.' && tp + 4 <= 16) {
                byte[] v4 = ipv4Strict(src.substring(curtok));
                if (v4 != null) {
                    System.arraycopy(v4, 0, tmp, tp, 4);
                    tp += 4;
                    digits = 0;
                    break;
                }
            }
            return null;
        }
        if (digits > 0) {
            if (tp + 2 > 16) {
                return null;
            }
            tmp[tp++] = (byte) (val >> 8);
            tmp[tp++] = (byte) val;
        }
        if (colonp >= 0) {
            if (tp == 16) {
                return null;
            }
            int n = tp - colonp;
            System.arraycopy(tmp, colonp, tmp, 16 - n, n);
            for (int i = colonp; i < 16 - n; i++) {
                tmp[i] = 0;
            }
            tp = 16;
        }
        return tp == 16 ? tmp : null;
    }

    /** glibc's {@code inet_pton4}: dotted quad, no leading zeros, each part under 256. */
    private static byte[] ipv4Strict(String src) {
        byte[] out = new byte[4];
        int octets = 0;
        int cur = 0;
        boolean sawDigit = false;
        for (int i = 0; i < src.length(); i++) {
            char ch = src.charAt(i);
            if (isDigit(ch)) {
                int next = cur * 10 + (ch - '0');
                if (sawDigit && cur == 0) {
                    return null;
                }
                if (next > 255) {
                    return null;
                }
                cur = next;
                if (!sawDigit) {
                    if (++octets > 4) {
                        return null;
                    }
                    sawDigit = true;
                }
            } else if (ch == '.' && sawDigit) {
                if (octets == 4) {
                    return null;
                }
                out[octets - 1] = (byte) cur;
                cur = 0;
                sawDigit = false;
            } else {
                return null;
            }
        }
        if (octets < 4) {
            return null;
        }
        out[3] = (byte) cur;
        return out;
    }
}
