package org.nettytls.ocsp;

import org.nettytls.TlsCompletionEvent;
import org.nettytls.error.TlsException;

/**
 * What a client's revocation check concluded about the server, once per connection that reached
 * the OCSP handler ({@link OcspClientConfig#applyTo}): success when the server passed, with the
 * verdict on its certificate (from a staple, the cache, the resolver, a CRL distribution point or
 * the staple callback), or the refusal. Fired down the pipeline before the handshake's own
 * outcome ({@code TlsHandshakeEvent}), and told to the options' {@code TlsObserver}
 * ({@code eventFired}), which is how netty-tls-metrics counts client-side verdicts.
 */
public final class OcspVerdictEvent extends TlsCompletionEvent {
    private final OcspStatus status;

    OcspVerdictEvent(OcspStatus status) {
        this.status = status;
    }

    OcspVerdictEvent(OcspStatus status, TlsException refusal) {
        super(refusal);
        this.status = status;
    }

    /**
     * {@return the verdict on the server's certificate, or {@code null} when the refusal came from elsewhere in the
     * chain ({@link OcspClientConfig.Builder#fullChain})}
     */
    public OcspStatus status() {
        return status;
    }

    @Override
    public String toString() {
        return "OcspVerdictEvent(" + (status != null ? status : "no verdict on the server's certificate")
                + (isSuccess() ? "" : "; refused: " + cause().getMessage() + " [" + code().id() + "]") + ")";
    }
}
