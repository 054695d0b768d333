package org.nettytls.verify;

import org.nettytls.error.TlsException;

/**
 * The vectors' scheme column: a predefined name, or
 * {@code custom:check_cn=..,wildcards_in_alt=..,wildcards_in_cn=..,ip_in_cn=..} with the
 * reference's values ({@code always}/{@code when_only}/{@code 0}, {@code anywhere}/{@code full_label}/
 * {@code leftmost}/{@code 0}, {@code 4}/{@code 6}/{@code 1}/{@code 0}).
 */
final class SchemeSpec {
    private SchemeSpec() {
    }

    static HostnameScheme parse(String spec) throws TlsException {
        if (!spec.startsWith("custom:")) {
            return HostnameScheme.named(spec);
        }
        HostnameScheme.Builder b = HostnameScheme.builder();
        for (String kv : spec.substring("custom:".length()).split(",")) {
            String[] p = kv.split("=", 2);
            switch (p[0]) {
                case "check_cn":
                    b.checkCn(p[1].equals("always") ? HostnameScheme.CheckCn.ALWAYS
                            : p[1].equals("when_only") ? HostnameScheme.CheckCn.WHEN_ONLY : HostnameScheme.CheckCn.OFF);
                    break;
                case "wildcards_in_alt":
                    b.wildcardsInAlt(HostnameScheme.Wildcards.fromReferenceName(p[1]));
                    break;
                case "wildcards_in_cn":
                    b.wildcardsInCn(HostnameScheme.Wildcards.fromReferenceName(p[1]));
                    break;
                case "ip_in_cn":
                    b.ipInCn(p[1].equals("4") ? HostnameScheme.IpInCn.IPV4 : p[1].equals("6") ? HostnameScheme.IpInCn.IPV6
                            : p[1].equals("0") ? HostnameScheme.IpInCn.OFF : HostnameScheme.IpInCn.ANY);
                    break;
                default:
                    throw new IllegalArgumentException("unknown custom scheme key in " + spec);
            }
        }
        return b.build();
    }
}
