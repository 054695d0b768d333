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
import org.nettytls.protocol.internal.CipherList;
import org.nettytls.protocol.internal.ProtocolVersions;
import org.nettytls.trap.internal.ErrorTrapHandler;

/** What turning either role's options into a Netty context shares. */
final class TlsContexts {
    static final String TLS = "tls";
    static final String TRAP = "tls-error-trap";

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
        if (options.certificateCompression()) {
            b.option(OpenSslContextOption.CERTIFICATE_COMPRESSION_ALGORITHMS,
                    org.nettytls.internal.CertificateCompression.config());
        }
        if (!options.groupNames().isEmpty()) {
            b.option(OpenSslContextOption.GROUPS, options.groupNames().toArray(new String[0]));
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
        if (options.closeMode() == CloseMode.WAIT) {
            handler.setCloseNotifyReadTimeoutMillis(options.closeNotifyTimeout().toMillis());
        }
    }

    /**
     * Puts {@code handler} into {@code pipeline} with what the options ask for around it: the
     * error trap in front of it, then behind it the debug log, the no-shutdown close, the
     * {@code gates} (the checks that run after the handshake) and last the handler that turns the
     * verdict into a {@link TlsHandshakeEvent}. The one
     * place that builds this stack, at the end of the pipeline or, when {@code replacing} is
     * given, in its place and under its name (for the SNI selector, which picks the options only
     * after the ClientHello): the bytes {@code replacing} still holds go to the {@code SslHandler},
     * and the trap knows they began with a TLS record.
     */
    static void install(ChannelPipeline pipeline, ChannelHandler replacing, SslHandler handler, TlsOptions options,
                        List<? extends ChannelHandler> gates) {
        Map<String, ChannelHandler> behind = companions(pipeline, options);
        boolean trap = options.errorTrap() != null || options.keepSocketOnError();
        if (replacing == null) {
            if (trap) {
                pipeline.addLast(TRAP, new ErrorTrapHandler(options.errorTrap()));
            }
            pipeline.addLast(TLS, handler);
            behind.forEach(pipeline::addLast);
            gates.forEach(g -> pipeline.addLast(g));
            pipeline.addLast(HandshakeEvents.name(pipeline), new HandshakeEvents(options.observer(), handler));
            return;
        }
        String name = pipeline.context(replacing).name();
        // Everything around the SslHandler is in place before it reads the ClientHello, so that
        // a failure on the very first bytes is trapped, reported and logged like any other.
        String last = name;
        for (Map.Entry<String, ChannelHandler> e : behind.entrySet()) {
            pipeline.addAfter(last, e.getKey(), e.getValue());
            last = e.getKey();
        }
        for (ChannelHandler g : gates) {
            pipeline.addAfter(last, null, g);
            last = pipeline.context(g).name();
        }
        pipeline.addAfter(last, HandshakeEvents.name(pipeline), new HandshakeEvents(options.observer(), handler));
        if (trap) {
            pipeline.addBefore(name, TRAP, ErrorTrapHandler.afterTlsRecord(options.errorTrap()));
        }
        pipeline.replace(replacing, name, handler);
    }

    /**
     * The same stack as {@link #install}, in front of the handler named {@code before}: for a
     * STARTTLS upgrade, where TLS goes between the socket and a {@code StartTlsHandler} that is
     * already in the pipeline. The companions a previous upgrade left on the channel (after a
     * downgrade) are used again. There is no error trap: a STARTTLS upgrade that fails never goes
     * on in plaintext, so nothing may keep the channel.
     */
    static void installBefore(ChannelPipeline pipeline, String before, SslHandler handler, TlsOptions options,
                              List<? extends ChannelHandler> gates) {
        if (pipeline.context(before) == null) {
            throw new IllegalArgumentException("no handler named '" + before + "' in " + pipeline.names());
        }
        Map<String, ChannelHandler> behind = companions(pipeline, options);
        String anchor = before;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            if (e.getKey().equals(before)) {
                break;
            }
            if (COMPANIONS.contains(e.getKey())) {
                anchor = e.getKey();
                break;
            }
        }
        pipeline.addBefore(anchor, TLS, handler);
        behind.forEach((n, h) -> pipeline.addBefore(before, n, h));
        gates.forEach(g -> pipeline.addBefore(before, null, g));
        pipeline.addBefore(before, HandshakeEvents.name(pipeline), new HandshakeEvents(options.observer(), handler));
    }

    /**
     * After a failed install: frees the engine of {@code handler} unless it made it into the
     * pipeline (whose removal then frees it).
     */
    static void releaseUnplaced(ChannelPipeline pipeline, SslHandler handler) {
        if (pipeline.context(handler) == null) {
            io.netty.util.ReferenceCountUtil.release(handler.engine());
        }
    }

    private static final List<String> COMPANIONS = List.of("tls-no-shutdown", "tls-debug");

    /**
     * The handlers behind the SslHandler that the options ask for and the pipeline lacks, by name
     * (a channel that was upgraded, downgraded and upgraded again keeps the first ones).
     */
    private static Map<String, ChannelHandler> companions(ChannelPipeline pipeline, TlsOptions options) {
        Map<String, ChannelHandler> behind = new LinkedHashMap<>();
        if (options.closeMode() == CloseMode.NONE && pipeline.get("tls-no-shutdown") == null) {
            behind.put("tls-no-shutdown", new NoShutdownOnClose());
        }
        TlsDebug debug = TlsDebug.handler();
        if (debug != null && pipeline.get("tls-debug") == null) {
            behind.put("tls-debug", debug);
        }
        return behind;
    }
}
