package org.nettytls.ocsp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslHandler;
import io.netty.internal.tcnative.SSL;
import io.netty.util.concurrent.Future;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.nettytls.TlsErrorCode;
import org.nettytls.TlsException;
import org.nettytls.cert.CertificateFields;
import org.nettytls.info.TlsConnectionInfo;
import org.nettytls.verify.IdentityGate;

/**
 * The client's OCSP handler ({@code SSL_ocsp_mode}, {@code SSL_ocsp_staple_callback},
 * {@code ocsp_resolver}): it sits right after the {@code SslHandler} and, once the handshake is
 * done, finishes what the in-handshake staple check ({@link OcspClientConfig#applyTo}) could not:
 * <ul>
 * <li>calls the {@link OcspStapleCallback}, when there is one, with the channel and the staple;
 * <li>resolves what no staple answered, when {@link OcspClientConfig#resolve()} (every certificate
 *     below the anchor with {@link OcspClientConfig#fullChain()}), asynchronously on the channel's
 *     event loop, with CRLs as configured;
 * <li>re-checks a resumed session, which carries no staple: a current answer from the cache or
 *     the resolver is needed where a staple would be, and a session refused here is invalidated
 *     so it is not offered again;
 * <li>records the verdict under {@link TlsConnectionInfo#OCSP_STATUS}.
 * </ul>
 * Until then every application write and read is held, and the handlers after it see the
 * handshake's completion only with the verdict (see {@link IdentityGate}): bytes written early
 * never reach a server that turns out to be revoked.
 */
public final class OcspStapleHandler extends IdentityGate {
    private final OcspClientConfig config;

    OcspStapleHandler(OcspClientConfig config) {
        this.config = config;
    }

    @Override
    protected void judge(ChannelHandlerContext ctx, SslHandler ssl) {
        SSLEngine engine = ssl.engine();
        SSLSession session = engine.getSession();
        boolean resumed = isResumed(engine);
        Object value = resumed ? null : session.getValue(OcspStapleCheck.SESSION_KEY);
        OcspStapleCheck.Record record = value instanceof OcspStapleCheck.Record ? (OcspStapleCheck.Record) value : null;
        List<X509Certificate> path = record != null ? record.path : peerChain(session);
        if (path.isEmpty()) {
            decide(ctx, OcspStatus.notChecked(null, "the server sent no certificate"));
            return;
        }
        X509Certificate leaf = path.get(0);
        boolean mustStaple = record != null ? record.mustStaple : CertificateFields.mustStaple(leaf);
        if (config.mode() == OcspMode.NO_STAPLE && !config.resolve()) {
            decide(ctx, record != null ? record.leaf : OcspStatus.notChecked(OcspVerifier.subject(leaf),
                    "NO_STAPLE" + (mustStaple ? "; the certificate demands a staple (TLS feature status_request)" : "")));
            return;
        }
        OcspStatus leafStatus;
        boolean stapled = record != null && record.staple != null;
        if (record != null && config.stapleCallback() != null && config.mode() != OcspMode.NO_STAPLE) {
            try {
                leafStatus = config.stapleCallback().onStaple(ctx.channel(), record.staple, path);
            } catch (TlsException e) {
                refuseAndForget(ctx, session, resumed, e);
                return;
            } catch (RuntimeException e) {
                refuseAndForget(ctx, session, resumed, new TlsException(TlsErrorCode.OCSP_RESPONSE_INVALID,
                        "SSL_ocsp_staple_callback failed: " + e, e));
                return;
            }
            if (leafStatus == null) {
                leafStatus = OcspStatus.byCallback(OcspStatus.Result.NOT_CHECKED, "the staple callback reported nothing");
            }
            TlsException waived = requiredStapleRefusal(leafStatus, stapled, mustStaple);
            if (waived != null) {
                refuseAndForget(ctx, session, resumed, leafStatus, waived);
                return;
            }
        } else if (record != null) {
            leafStatus = record.leaf;
        } else {
            OcspStatus cached = path.size() > 1 ? config.cache().get(OcspCertId.of(leaf, path.get(1))) : null;
            leafStatus = cached != null ? cached.from(OcspStatus.Source.CACHE) : OcspStatus.softFailure(
                    OcspStatus.Source.NONE, OcspVerifier.subject(leaf), (resumed ? "a resumed session carries no staple"
                            : "the staple was not checked in the handshake") + " and no current answer is cached", null);
        }
        if (leafStatus.isHardFailure()) {
            refuseAndForget(ctx, session, resumed, leafStatus, OcspStapleCheck.refusal(leafStatus, stapled, mustStaple, config));
            return;
        }
        boolean needLeaf = !leafStatus.isGood();
        if (!config.resolve() || (!needLeaf && !config.fullChain()) || path.size() < 2) {
            finish(ctx, session, resumed, leafStatus, stapled, mustStaple, null);
            return;
        }
        // A good staple is in the cache already, so the resolver does not ask about it again.
        OcspResolver resolver = OcspResolver.forChain(path, config);
        OcspStatus stapleVerdict = leafStatus;
        Channel channel = ctx.channel();
        resolver.resolve(channel.eventLoop(), channel.getClass()).addListener((Future<OcspResolver> f) -> {
            if (!awaitingVerdict()) {
                return;
            }
            OcspResolver r = f.getNow();
            OcspStatus resolved = r.statuses().isEmpty() ? null : r.statuses().get(0);
            OcspStatus leafFinal = stapleVerdict.isGood() || resolved == null ? stapleVerdict : resolved;
            finish(ctx, session, resumed, leafFinal, stapled, mustStaple, r);
        });
    }

    private void finish(ChannelHandlerContext ctx, SSLSession session, boolean resumed, OcspStatus leaf, boolean stapled,
                        boolean mustStaple, OcspResolver resolver) {
        if (resolver != null && resolver.hardError() != null && !resolver.hardError().isEmpty()) {
            TlsErrorCode code = resolver.hardError().contains(": revoked") ? TlsErrorCode.REVOKED
                    : TlsErrorCode.OCSP_RESPONSE_INVALID;
            refuseAndForget(ctx, session, resumed, leaf.isGood() ? null : leaf, new TlsException(code, "OCSP: " + resolver.hardError()));
            return;
        }
        if (leaf.isHardFailure()) {
            refuseAndForget(ctx, session, resumed, leaf, OcspStapleCheck.refusal(leaf, stapled, mustStaple, config));
            return;
        }
        boolean required = mustStaple || config.mode() == OcspMode.MUST_STAPLE;
        if (!leaf.isGood() && (required || config.failHard())) {
            String why = required ? (mustStaple ? "the certificate demands a staple (TLS feature status_request)"
                    : "SSL_ocsp_mode is MUST_STAPLE") : "SSL_OCSP_FAIL_HARD";
            // As inside the handshake: no staple is staple-missing, a staple that did not do is ocsp-response-invalid.
            TlsErrorCode code = !stapled ? TlsErrorCode.STAPLE_MISSING : TlsErrorCode.OCSP_RESPONSE_INVALID;
            refuseAndForget(ctx, session, resumed, leaf, new TlsException(code, "expected a good OCSP answer for "
                    + leaf.subject() + " because " + why + ", but found " + leaf));
            return;
        }
        String text = leaf.toString();
        if (resolver != null && resolver.softError() != null && config.fullChain()) {
            text += "; chain: " + resolver.softError();
        }
        ctx.channel().attr(TlsConnectionInfo.OCSP_STATUS).set(text);
        tell(ctx, leaf, null);
        pass(ctx);
    }

    private void tell(ChannelHandlerContext ctx, OcspStatus status, TlsException refusal) {
        OcspVerdictListener l = config.verdictListener();
        if (l != null) {
            try {
                l.verdict(ctx.channel(), status, refusal);
            } catch (RuntimeException ignored) {
                // A listener must not break the connection it watches.
            }
        }
    }

    /**
     * Where a staple is required (MUST_STAPLE, or a must-staple certificate), the staple callback
     * cannot waive it: a missing staple fails whatever the callback says, and so does a staple the
     * callback did not find good. Elsewhere its verdict goes on like a staple's: hard failures
     * refuse, anything else but good may be resolved and fails under FAIL_HARD.
     */
    private TlsException requiredStapleRefusal(OcspStatus verdict, boolean stapled, boolean mustStaple) {
        if (!mustStaple && config.mode() != OcspMode.MUST_STAPLE) {
            return null;
        }
        String why = mustStaple ? "the certificate demands a staple (TLS feature status_request)"
                : "SSL_ocsp_mode is MUST_STAPLE";
        if (!stapled) {
            return new TlsException(TlsErrorCode.STAPLE_MISSING, "expected a stapled OCSP response because " + why
                    + ", but the server sent none (the staple callback said " + verdict + ")");
        }
        if (!verdict.isGood() && !verdict.isHardFailure()) {
            return new TlsException(TlsErrorCode.OCSP_RESPONSE_INVALID, "expected a good stapled OCSP response because "
                    + why + ", but the staple callback found " + verdict);
        }
        return null;
    }

    private void decide(ChannelHandlerContext ctx, OcspStatus status) {
        ctx.channel().attr(TlsConnectionInfo.OCSP_STATUS).set(status.toString());
        tell(ctx, status, null);
        pass(ctx);
    }

    private void refuseAndForget(ChannelHandlerContext ctx, SSLSession session, boolean resumed, TlsException e) {
        refuseAndForget(ctx, session, resumed, null, e);
    }

    private void refuseAndForget(ChannelHandlerContext ctx, SSLSession session, boolean resumed, OcspStatus status,
                                 TlsException e) {
        tell(ctx, status, e);
        // A session whose server was refused must not be offered again, or every retry would resume into the same refusal.
        session.invalidate();
        ctx.channel().attr(TlsConnectionInfo.OCSP_STATUS).set("refused: " + e.getMessage() + " [" + e.code().id() + "]");
        refuse(ctx, e);
    }

    private static boolean isResumed(SSLEngine engine) {
        if (!(engine instanceof ReferenceCountedOpenSslEngine)) {
            return false;
        }
        ReferenceCountedOpenSslEngine e = (ReferenceCountedOpenSslEngine) engine;
        synchronized (e) {
            long ssl = e.sslPointer();
            return ssl != 0 && SSL.isSessionReused(ssl);
        }
    }

    private static List<X509Certificate> peerChain(SSLSession session) {
        List<X509Certificate> chain = new ArrayList<>();
        try {
            for (Certificate c : session.getPeerCertificates()) {
                if (c instanceof X509Certificate) {
                    chain.add((X509Certificate) c);
                }
            }
        } catch (SSLPeerUnverifiedException e) {
            return List.of();
        }
        return chain;
    }
}
