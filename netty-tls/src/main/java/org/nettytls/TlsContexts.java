package org.nettytls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.ArrayList;
import java.util.List;
import org.nettytls.protocol.CipherList;
import org.nettytls.protocol.ProtocolVersions;
import org.nettytls.diagnostics.TlsDebug;
import org.nettytls.starttls.StopTlsHandler;
import org.nettytls.trap.ErrorTrapHandler;

/** What turning either role's options into a Netty context shares. */
final class TlsContexts {
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
     * no-shutdown close.
     */
    static void install(ChannelPipeline pipeline, SslHandler handler, TlsOptions options) {
        if (options.errorTrap() != null || options.keepSocketOnError()) {
            pipeline.addLast("tls-error-trap", new ErrorTrapHandler(options.errorTrap()));
        }
        pipeline.addLast("tls", handler);
        pipeline.addLast("tls-failures", TlsFailureEvents.INSTANCE);
        if (options.closeMode() == StopTlsHandler.Mode.NONE) {
            pipeline.addLast("tls-no-shutdown", new NoShutdownOnClose());
        }
        TlsDebug debug = TlsDebug.handler();
        if (debug != null) {
            pipeline.addLast("tls-debug", debug);
        }
    }
}
