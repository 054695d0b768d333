package org.nettytls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import io.netty.internal.tcnative.SSLContext;
import io.netty.internal.tcnative.SessionTicketKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the running TLS engine (netty-tcnative's BoringSSL) supports, so users can check before
 * they configure: the reference's {@code IO::Socket::SSL->can_client_sni}, {@code can_server_sni},
 * {@code can_npn}, {@code can_alpn}, {@code can_ecdh}, {@code can_ocsp} and
 * {@code can_ticket_keycb}, plus TLS 1.3, the key log and the key exchange groups on offer.
 *
 * <p>Each answer comes from the engine, not from a table: Netty's own probes
 * ({@code OpenSsl.isAlpnSupported()}, {@code isOcspSupported()}, TLS 1.3 support) and probes of a
 * scratch {@code SSL_CTX} made for this query alone, as Netty probes its default groups: every
 * group {@code SSL_ecdh_curve} takes is offered to {@code SSL_CTX_set1_curves_list} on its own, the key-log
 * callback and ticket keys are set. SNI and NPN have no probe of their own: tcnative always
 * builds them in with the engine, so they follow its availability. Computed once per process.
 *
 * <pre>{@code
 * if (!TlsCapabilities.current().groups().contains("X25519MLKEM768")) { ... }
 * }</pre>
 */
public final class TlsCapabilities {
    private static final class Holder {
        static final TlsCapabilities CURRENT = probe();
    }

    private final boolean available;
    private final String engine;
    private final boolean alpn;
    private final boolean ocsp;
    private final boolean tls13;
    private final boolean keyLog;
    private final boolean ticketKeys;
    private final List<String> groups;
    private final String unavailable;

    private TlsCapabilities(boolean available, String engine, boolean alpn, boolean ocsp, boolean tls13, boolean keyLog,
            boolean ticketKeys, List<String> groups, String unavailable) {
        this.available = available;
        this.engine = engine;
        this.alpn = alpn;
        this.ocsp = ocsp;
        this.tls13 = tls13;
        this.keyLog = keyLog;
        this.ticketKeys = ticketKeys;
        this.groups = List.copyOf(groups);
        this.unavailable = unavailable;
    }

    /** {@return the capabilities of the engine in this process} */
    public static TlsCapabilities current() {
        return Holder.CURRENT;
    }

    private static TlsCapabilities probe() {
        if (!OpenSsl.isAvailable()) {
            Throwable cause = OpenSsl.unavailabilityCause();
            return new TlsCapabilities(false, null, false, false, false, false, false, List.of(),
                    cause == null ? "netty-tcnative is not available" : cause.toString());
        }
        List<String> groups = new ArrayList<>();
        boolean keyLog;
        boolean ticketKeys;
        long ctx;
        try {
            ctx = SSLContext.make(SSL.SSL_PROTOCOL_ALL, SSL.SSL_MODE_SERVER);
        } catch (Exception e) {
            return new TlsCapabilities(false, OpenSsl.versionString(), false, false, false, false, false, List.of(),
                    "cannot make an SSL_CTX to probe: " + e);
        }
        try {
            for (String group : KeyExchangeGroups.KNOWN) {
                if (SSLContext.setCurvesList(ctx, group)) {
                    groups.add(group);
                } else {
                    // The refusal leaves an error on the thread's queue, which a later call would report.
                    SSL.clearError();
                }
            }
            keyLog = SSLContext.setKeyLogCallback(ctx, (ssl, line) -> { });
            ticketKeys = setsTicketKeys(ctx);
        } finally {
            SSLContext.free(ctx);
        }
        return new TlsCapabilities(true, OpenSsl.versionString(), OpenSsl.isAlpnSupported(), OpenSsl.isOcspSupported(),
                SslProvider.isTlsv13Supported(SslProvider.OPENSSL), keyLog, ticketKeys, groups, null);
    }

    private static boolean setsTicketKeys(long ctx) {
        try {
            SSLContext.setSessionTicketKeys(ctx, new SessionTicketKey[] {new SessionTicketKey(
                    new byte[SessionTicketKey.NAME_SIZE], new byte[SessionTicketKey.HMAC_KEY_SIZE],
                    new byte[SessionTicketKey.AES_KEY_SIZE])});
            return true;
        } catch (RuntimeException | LinkageError e) {
            SSL.clearError();
            return false;
        }
    }

    /** {@return whether netty-tcnative's engine loaded at all; without it netty-tls cannot run} */
    public boolean available() {
        return available;
    }

    /** {@return the engine's name as tcnative reports it ({@code BoringSSL}), or {@code null} when unavailable} */
    public String engine() {
        return engine;
    }

    /** {@return why the engine is unavailable, or {@code null}} */
    public String unavailableBecause() {
        return unavailable;
    }

    /** {@return {@code can_client_sni}: a client sends the server name ({@code SSL_hostname})} */
    public boolean clientSni() {
        return available;
    }

    /** {@return {@code can_server_sni}: a server picks its certificate by the name ({@code SniCertSelector})} */
    public boolean serverSni() {
        return available;
    }

    /** {@return {@code can_npn}: Next Protocol Negotiation ({@code SSL_npn_protocols}), TLS 1.2 only by its nature} */
    public boolean npn() {
        return available;
    }

    /** {@return {@code can_alpn}: ALPN ({@code SSL_alpn_protocols})} */
    public boolean alpn() {
        return alpn;
    }

    /** {@return {@code can_ecdh}: elliptic-curve key exchange with a choice of groups ({@code SSL_ecdh_curve})} */
    public boolean ecdh() {
        return !groups.isEmpty();
    }

    /** {@return {@code can_ocsp}: OCSP stapling, asked for by clients and sent by servers} */
    public boolean ocsp() {
        return ocsp;
    }

    /**
     * {@return {@code can_ticket_keycb}: session ticket keys set by the application and rotated ({@code
     * SSL_ticket_keycb})}
     */
    public boolean ticketKeyCallback() {
        return ticketKeys;
    }

    /** {@return TLS 1.3 ({@code SSL_version => 'TLSv1_3'})} */
    public boolean tls13() {
        return tls13;
    }

    /** {@return the NSS key log ({@code SSLKEYLOGFILE}) through the engine's callback} */
    public boolean keyLog() {
        return keyLog;
    }

    /**
     * {@return the key exchange groups the engine accepts for {@code SSL_ecdh_curve}, in BoringSSL's spelling and in
     * netty-tls' order of preference (post-quantum hybrids first)}
     */
    public List<String> groups() {
        return groups;
    }

    /**
     * {@return every answer under the reference's name ({@code can_alpn}, ...) and ours for the rest, in a stable
     * order}
     */
    public Map<String, Object> byName() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("engine", engine == null ? "unavailable" : engine);
        m.put("can_client_sni", clientSni());
        m.put("can_server_sni", serverSni());
        m.put("can_npn", npn());
        m.put("can_alpn", alpn());
        m.put("can_ecdh", ecdh());
        m.put("can_ocsp", ocsp());
        m.put("can_ticket_keycb", ticketKeyCallback());
        m.put("tls1_3", tls13());
        m.put("keylog", keyLog());
        m.put("groups", groups);
        if (unavailable != null) {
            m.put("unavailable", unavailable);
        }
        return m;
    }

    @Override
    public String toString() {
        return "TlsCapabilities" + byName();
    }
}
