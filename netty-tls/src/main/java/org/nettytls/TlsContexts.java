package org.nettytls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nettytls.protocol.CipherList;
import org.nettytls.protocol.ProtocolVersions;
import org.nettytls.diagnostics.TlsDebug;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.trap.ErrorTrapHandler;

/** What turning either role's options into a Netty context shares. */
final class TlsContexts {
    static final String TLS = "tls";
    static final String TRAP = "tls-error-trap";
    static final String FAILURES = "tls-failures";

    private TlsContexts() {
    }

    static void applyCommon(SslContextBuilder b, TlsOptions options) {
        b.sslProvider(SslProvider.OPENSSL);
        b.protocols(options.versions().jdkNames());
        List<String> suites = new ArrayList<>(options.ciphers().suites());
        if (options.versions().allows(ProtocolVersions.Version.TLSv1_3)) {
            suites.addAll(CipherList.TLS13_SUITES);
        }
        // The list is already what BoringSSL expanded; Netty must take it as it is.
        b.ciphers(suites, IdentityCipherSuiteFilter.INSTANCE);
        b.enableOcsp(options.ocspStapling());
        boolean alpn = !options.alpnProtocols().isEmpty();
        boolean npn = !options.npnProtocols().isEmpty();
        if (alpn || npn) {
            ApplicationProtocolConfig.Protocol which = alpn && npn ? ApplicationProtocolConfig.Protocol.NPN_AND_ALPN
                    : alpn ? ApplicationProtocolConfig.Protocol.ALPN : ApplicationProtocolConfig.Protocol.NPN;
            b.applicationProtocolConfig(new ApplicationProtocolConfig(which,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn ? options.alpnProtocols() : options.npnProtocols()));
        }
        if (!options.ecdhCurves().isEmpty()) {
            b.option(OpenSslContextOption.GROUPS, options.ecdhCurves().toArray(new String[0]));
        }
    }

    /** {@code SSL_create_ctx_callback}: last, after everything netty-tls set. */
    static void customize(SslContextBuilder b, TlsOptions options) {
        if (options.contextCustomizer() != null) {
            options.contextCustomizer().accept(b);
        }
    }

    /** What needs the built context: the key log. */
    static void finish(SslContext context, TlsOptions options) {
        if (options.keyLog() != null) {
            options.keyLog().attachTo(context);
        }
    }

    /** Per connection: the close mode's wait. */
    static void configure(SslHandler handler, TlsOptions options) {
        handler.setHandshakeTimeoutMillis(options.handshakeTimeout().toMillis());
        if (options.closeMode() == StopTlsHandler.Mode.WAIT) {
            handler.setCloseNotifyReadTimeoutMillis(options.closeNotifyTimeout().toMillis());
        }
    }

    /**
     * Puts {@code handler} into {@code pipeline} with what the options ask for around it: the
     * error trap in front of it, then behind it the failure events, the debug log and the
     * no-shutdown close. The one place that builds this stack, at the end of the pipeline or,
     * when {@code replacing} is given, in its place and under its name (for the SNI selector,
     * which picks the options only after the ClientHello): the bytes {@code replacing} still
     * holds go to the {@code SslHandler}, and the trap knows they began with a TLS record.
     */
    static void install(ChannelPipeline pipeline, ChannelHandler replacing, SslHandler handler, TlsOptions options) {
        Map<String, ChannelHandler> behind = new LinkedHashMap<>();
        if (replacing == null || pipeline.get(FAILURES) == null) {
            behind.put(FAILURES, TlsFailureEvents.INSTANCE);
        }
        if (options.closeMode() == StopTlsHandler.Mode.NONE) {
            behind.put("tls-no-shutdown", new NoShutdownOnClose());
        }
        TlsDebug debug = TlsDebug.handler();
        if (debug != null) {
            behind.put("tls-debug", debug);
        }
        boolean trap = options.errorTrap() != null || options.keepSocketOnError();
        if (replacing == null) {
            if (trap) {
                pipeline.addLast(TRAP, new ErrorTrapHandler(options.errorTrap()));
            }
            pipeline.addLast(TLS, handler);
            behind.forEach(pipeline::addLast);
            return;
        }
        String name = pipeline.context(replacing).name();
        // Everything around the SslHandler is in place before it reads the ClientHello, so that
        // a failure on the very first bytes is trapped, reported and logged like any other.
        String last = pipeline.get(FAILURES) != null ? FAILURES : name;
        for (Map.Entry<String, ChannelHandler> e : behind.entrySet()) {
            pipeline.addAfter(last, e.getKey(), e.getValue());
            last = e.getKey();
        }
        if (trap) {
            pipeline.addBefore(name, TRAP, ErrorTrapHandler.afterTlsRecord(options.errorTrap()));
        }
        pipeline.replace(replacing, name, handler);
    }
}
