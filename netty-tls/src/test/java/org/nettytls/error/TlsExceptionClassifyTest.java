package org.nettytls.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import org.junit.jupiter.api.Test;

/** {@link TlsException#classify}: failures before any TLS byte are connection failures. */
class TlsExceptionClassifyTest {

    @Test
    void aNameThatDoesNotResolveIsAConnectionFailure() {
        // What Bootstrap.connect().sync() throws for a name the resolver does not know: DNS
        // failed, no handshake was ever attempted.
        UnknownHostException dns = new UnknownHostException("shop.demo.invalid: Name or service not known");
        TlsException e = TlsException.classify(dns);
        assertEquals(TlsErrorCode.CONNECTION_FAILED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("shop.demo.invalid"), e.getMessage());
        assertEquals(TlsErrorCode.CONNECTION_FAILED,
                TlsException.classify(new RuntimeException("connect failed", dns)).code());
        assertEquals(TlsErrorCode.CONNECTION_FAILED, TlsException.classify(new UnresolvedAddressException()).code());
    }

    @Test
    void aFailureWithNoKnownCauseIsStillAHandshakeFailure() {
        // The new branch must not swallow the fallback.
        assertEquals(TlsErrorCode.HANDSHAKE_FAILED, TlsException.classify(new IllegalStateException("odd")).code());
    }
}
