package org.nettytls;

import java.util.Objects;
import java.util.function.Consumer;
import org.nettytls.error.TlsException;

/**
 * Process-wide defaults and policy: the reference's {@code set_defaults},
 * {@code set_client_defaults}, {@code set_server_defaults} and {@code set_args_filter_hack}. This
 * is the one piece of process-wide mutable state netty-tls has, and it is meant for the
 * application's {@code main}, not for libraries.
 *
 * <ul>
 * <li>Defaults are builder settings applied when a builder is made
 *     ({@code TlsClientOptions.builder()}, {@code TlsServerOptions.builder()}): first those for
 *     both roles, then the role's; whatever the caller then sets wins.</li>
 * <li>The policy runs in {@code build()}, after the caller's settings: it sees the options as
 *     they would be built and may change the builder, and the options are then built again
 *     from it. So an application can override what an embedded library chose, e.g. turn
 *     verification back on.</li>
 * </ul>
 *
 * <pre>{@code
 * TlsDefaults.setClientDefaults(b -> b.caFile(Path.of("/etc/company/ca.pem")));
 * TlsDefaults.setPolicy((proposed, builder) -> {
 *     if (proposed instanceof TlsClientOptions && proposed.verifyMode() == VerifyMode.NONE) {
 *         builder.verifyMode(VerifyMode.PEER);   // nobody in this process talks to unverified servers
 *     }
 * });
 * }</pre>
 */
public final class TlsDefaults {
    /** {@code set_args_filter_hack}: sees every options object before it is built and may change its builder. */
    @FunctionalInterface
    public interface Policy {
        /**
         * Sees the options a caller proposed and may change them through {@code builder}.
         *
         * @param proposed the options as the caller built them
         * @param builder a builder holding {@code proposed}, whose result is used instead
         * @throws TlsException to refuse the options: building them fails with this exception
         */
        void filter(TlsOptions proposed, TlsOptions.Builder<?> builder) throws TlsException;
    }

    private static volatile Consumer<TlsOptions.Builder<?>> all;
    private static volatile Consumer<TlsClientOptions.Builder> client;
    private static volatile Consumer<TlsServerOptions.Builder> server;
    private static volatile Policy policy;

    private TlsDefaults() {
    }

    /**
     * {@code set_defaults}: settings every new builder of either role starts with; {@code null} removes them.
     *
     * @param defaults applied to every new builder, or {@code null}
     */
    public static void setDefaults(Consumer<TlsOptions.Builder<?>> defaults) {
        all = defaults;
    }

    /**
     * {@code set_client_defaults}.
     *
     * @param defaults applied to every new client builder, or {@code null}
     */
    public static void setClientDefaults(Consumer<TlsClientOptions.Builder> defaults) {
        client = defaults;
    }

    /**
     * {@code set_server_defaults}.
     *
     * @param defaults applied to every new server builder, or {@code null}
     */
    public static void setServerDefaults(Consumer<TlsServerOptions.Builder> defaults) {
        server = defaults;
    }

    /** {@code set_args_filter_hack}; {@code null} removes it. */
    /**
     * The debug level, 0 to 3, as the reference's {@code $IO::Socket::SSL::DEBUG}: 1 logs failed
     * handshakes on {@code org.nettytls.debug.error} (WARN); 2 also each handshake's progress and
     * what it agreed on, and close_notify, on {@code org.nettytls.debug.handshake} (INFO); 3 also
     * every read and write with its size, on {@code org.nettytls.debug.data} (INFO). Through
     * Netty's logging facade (SLF4J, Log4j 2 or java.util.logging). The system property
     * {@code nettytls.debug} sets it at start; it applies to TLS installed afterwards.
     *
     * @param level 0 to 3
     */
    public static void setDebugLevel(int level) {
        TlsDebug.setLevel(level);
    }

    /** {@return the debug level set by {@link #setDebugLevel} or {@code -Dnettytls.debug}; 0 (nothing) by default} */
    public static int debugLevel() {
        return TlsDebug.level();
    }

    /**
     * Sets the process-wide policy ({@code set_args_filter_hack}); {@code null} removes it.
     *
     * @param newPolicy the policy, or {@code null}
     */
    public static void setPolicy(Policy newPolicy) {
        policy = newPolicy;
    }

    /** Removes all defaults and the policy. */
    public static void reset() {
        all = null;
        client = null;
        server = null;
        policy = null;
    }

    static void applyTo(TlsClientOptions.Builder b) {
        Consumer<TlsOptions.Builder<?>> a = all;
        if (a != null) {
            a.accept(b);
        }
        Consumer<TlsClientOptions.Builder> c = client;
        if (c != null) {
            c.accept(b);
        }
    }

    static void applyTo(TlsServerOptions.Builder b) {
        Consumer<TlsOptions.Builder<?>> a = all;
        if (a != null) {
            a.accept(b);
        }
        Consumer<TlsServerOptions.Builder> s = server;
        if (s != null) {
            s.accept(b);
        }
    }

    /** Builds with {@code build}, and again after the policy had its say. */
    static <O extends TlsOptions, B extends TlsOptions.Builder<B>> O build(B builder, Builder<O, B> build)
            throws TlsException {
        O proposed = build.build(builder);
        Policy p = policy;
        if (p == null) {
            return proposed;
        }
        p.filter(proposed, Objects.requireNonNull(builder));
        return build.build(builder);
    }

    @FunctionalInterface
    interface Builder<O, B> {
        O build(B builder) throws TlsException;
    }
}
