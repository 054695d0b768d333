package org.nettytls.examples.proxy;

import io.netty.channel.Channel;
import java.net.IDN;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.nettytls.TlsClientContext;
import org.nettytls.examples.HostPort;
import org.nettytls.sni.SniMinter;
import org.nettytls.transport.Transport;

/**
 * An intercepting HTTPS proxy, as IO::Socket::SSL::Intercept is used: clients send
 * {@code CONNECT host:port}; the proxy connects to that upstream with a {@link TlsClientContext}
 * (chain, hostname under its scheme, everything netty-tls verifies), and only when the upstream
 * passes does it answer {@code 200} and complete the client's handshake with a certificate that
 * its {@link SniMinter} minted for the verified name. Then bytes are relayed both ways in
 * plaintext inside the proxy ({@link Relay}).
 *
 * <p>Only destinations on its {@link AllowList} are tunnelled to; any other gets
 * {@code 403 Forbidden} before a connection is tried. An upstream that cannot be reached, does not
 * speak TLS or fails verification gets the same {@code 502 Bad Gateway}, word for word, whatever
 * the cause (the log line says which), so the proxy cannot be used to tell a closed port from an
 * open one that speaks something else; the client never gets a handshake, hence never a minted
 * certificate. A client whose SNI differs from the CONNECT host gets an {@code unrecognized_name}
 * alert.
 *
 * <p><strong>Please note: clients must trust the proxy CA; anyone with its key can impersonate
 * every site to them. The proxy must not face untrusted networks: whoever reaches it can make it
 * connect to every allowed destination from where it runs.</strong>
 */
public final class InterceptProxy {
    /** The body of every 502: the same for every upstream failure. */
    static final String UPSTREAM_FAILED = "the upstream could not be reached, or did not verify as the name asked for";

    private final UpstreamConnector connector;
    private final SniMinter minter;
    private final AllowList allowed;
    private final Consumer<String> log;

    /**
     * @param minter mints the certificates shown to clients (the proxy CA)
     * @param upstreamTls verifies the real upstreams
     * @param allowed the destinations clients may CONNECT to
     * @param transport the server's transport
     * @param resolver where upstream names are resolved, off the event loops
     * @param log connection outcomes, one line each (called on event loops)
     */
    public InterceptProxy(SniMinter minter, TlsClientContext upstreamTls, AllowList allowed, Transport transport,
                          Executor resolver, Consumer<String> log) {
        this.minter = Objects.requireNonNull(minter, "minter");
        this.allowed = Objects.requireNonNull(allowed, "allowed");
        this.connector = new UpstreamConnector(transport, Objects.requireNonNull(upstreamTls, "upstreamTls"), false, resolver);
        this.log = Objects.requireNonNull(log, "log");
    }

    /** Sets up a newly accepted client channel. */
    public void initChannel(Channel ch) {
        ch.pipeline().addLast("connect", new ConnectHandler(connector, minter, allowed, log));
    }

    /**
     * The destinations a client may CONNECT to, each {@code HOST:PORT} where HOST is a name or an
     * address, {@code *.DOMAIN} for the names below DOMAIN, or {@code *} for any, and PORT a
     * number or {@code *}. Names compare in their A-label, lower-case form without a trailing dot;
     * an address matches only as written (a name that resolves to it does not).
     */
    public static final class AllowList {
        private final List<String[]> entries;

        private AllowList(List<String[]> entries) {
            this.entries = entries;
        }

        /** Parses each of {@code patterns}; an {@link IllegalArgumentException} names the one that is wrong. */
        public static AllowList of(List<String> patterns) {
            List<String[]> entries = new ArrayList<>();
            for (String p : patterns) {
                // The address grammar is HostPort's; a port of * (any) is read as a number there and kept as *.
                boolean anyPort = p.endsWith(":*");
                HostPort at;
                try {
                    at = HostPort.parse(anyPort ? p.substring(0, p.length() - 1) + "0" : p);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("expected HOST:PORT, *.DOMAIN:PORT or *:PORT (PORT may be *), found '"
                            + p + "'" + (anyPort ? "" : ": " + e.getMessage()), e);
                }
                String host = at.host();
                String port = anyPort ? "*" : String.valueOf(at.port());
                String pattern;
                if (host.equals("*")) {
                    pattern = host;
                } else if (host.startsWith("*.") && host.length() > 2 && host.indexOf('*', 1) < 0) {
                    pattern = "*." + canonical(host.substring(2));
                } else if (host.indexOf('*') >= 0) {
                    throw new IllegalArgumentException("a wildcard goes only as '*' or '*.DOMAIN', found '" + p + "'");
                } else {
                    pattern = canonical(host);
                }
                entries.add(new String[] {pattern, port});
            }
            return new AllowList(List.copyOf(entries));
        }

        /** Whether a client may CONNECT to {@code target}. */
        public boolean allows(HostPort target) {
            String host = canonical(target.host());
            String port = String.valueOf(target.port());
            for (String[] e : entries) {
                if (!e[1].equals("*") && !e[1].equals(port)) {
                    continue;
                }
                if (e[0].equals("*") || e[0].equals(host) || e[0].startsWith("*.") && host.endsWith(e[0].substring(1))) {
                    return true;
                }
            }
            return false;
        }

        /** A host name as compared: A-labels, lower case, no trailing dot. */
        static String canonical(String host) {
            String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
            try {
                return IDN.toASCII(h, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (IllegalArgumentException e) {
                return h.toLowerCase(Locale.ROOT);
            }
        }

        @Override
        public String toString() {
            List<String> shown = new ArrayList<>();
            for (String[] e : entries) {
                shown.add((e[0].indexOf(':') >= 0 ? "[" + e[0] + "]" : e[0]) + ":" + e[1]);
            }
            return String.join(", ", shown);
        }
    }
}
