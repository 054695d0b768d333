package org.nettytls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.SslContext;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nettytls.cert.HeldCertificate;
import org.nettytls.testing.Await;
import org.nettytls.testing.LeakDetection;

/**
 * A server context with an additional certificate holds a BoringSSL credential, which Netty's
 * context frees in its finalizer. The leak detector watches the credential through a weak
 * reference, which the JVM clears as soon as the context is only finalizer-reachable: if the
 * detector looked (it does whenever another credential is made) before the finalizer ran, a
 * dropped context (every SNI reload drops some) was reported as leaking its credential and failed
 * whichever test was running then. Here the finalizer is held while the detector looks.
 */
class TlsServerContextCredentialsTest {
    @Test
    void aDroppedContextWithAnAdditionalCertificateIsNoLeakBeforeItsFinalizerRan() throws Exception {
        HeldCertificate ca = HeldCertificate.builder().commonName("Credentials CA").certificateAuthority(0).build();
        HeldCertificate rsa = HeldCertificate.builder().commonName("rsa").dns("a.test").signedBy(ca).rsa(2048).build();
        HeldCertificate ec = HeldCertificate.builder().commonName("ec").dns("a.test").signedBy(ca).build();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            new FinalizerHolder(entered, release);
            Await.until(() -> {
                System.gc();
                return awaitQuietly(entered);
            }, () -> "the finalizer thread never ran the holder");
            WeakReference<SslContext> context = new WeakReference<>(context(rsa, ec).sslContext());
            Await.until(() -> {
                System.gc();
                return context.get() == null;
            }, () -> "the dropped context was never found unreachable");
            // The credential detector looks at its queue when it tracks a new credential.
            assertEquals(1, context(rsa, ec).additionalCertificates().size());
        } finally {
            release.countDown();
        }
        assertEquals(List.of(), LeakDetection.drain(), "leaks reported while the dropped context awaited its finalizer");
    }

    private static TlsServerContext context(HeldCertificate rsa, HeldCertificate ec) throws TlsException {
        return TlsServerContext.create(TlsServerOptions.builder().certificate(rsa.keyMaterial()).build(), List.of(ec.keyMaterial()));
    }

    private static boolean awaitQuietly(CountDownLatch latch) {
        try {
            return latch.await(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Holds the JVM's finalizer thread in its finalizer until released. */
    private static final class FinalizerHolder {
        private final CountDownLatch entered;
        private final CountDownLatch release;

        FinalizerHolder(CountDownLatch entered, CountDownLatch release) {
            this.entered = entered;
            this.release = release;
        }

        @Override
        @SuppressWarnings({"deprecation", "removal"})
        protected void finalize() throws InterruptedException {
            entered.countDown();
            assertTrue(release.await(Await.EVENT.toSeconds(), TimeUnit.SECONDS));
        }
    }
}
