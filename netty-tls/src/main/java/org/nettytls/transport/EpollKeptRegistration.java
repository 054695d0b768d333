package org.nettytls.transport;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's epoll I/O handler with every descriptor kept in the epoll set while its channel is
 * registered. Netty 4.2.18 takes a channel that waits for nothing (no EPOLLIN: reads off; no
 * EPOLLOUT: nothing queued; no EPOLLRDHUP: cleared once the peer's FIN or a stale event for a
 * reused descriptor number was seen) out of the set with EPOLL_CTL_DEL, but remembers it as added,
 * so the next wait it asks for is an EPOLL_CTL_MOD that fails with ENOENT, and Netty closes the
 * channel. A relay turns reads off and on all the time: under load a client was closed this way
 * right after its handshake, when the SslHandler asked for a read (see {@code TransportTest}).
 * Here a registration that would wait for nothing waits for EPOLLET alone instead, which keeps
 * it in the set; the kernel then reports only a hang-up or an error, once (edge-triggered), and
 * Netty's handler ignores a bare hang-up.
 */
final class EpollKeptRegistration implements IoHandler {
    private final IoHandler epoll;

    private EpollKeptRegistration(IoHandler epoll) {
        this.epoll = epoll;
    }

    static IoHandlerFactory newFactory() {
        IoHandlerFactory epoll = EpollIoHandler.newFactory();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor ioExecutor) {
                return new EpollKeptRegistration(epoll.newHandler(ioExecutor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return epoll.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        epoll.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return epoll.run(context);
    }

    @Override
    public void prepareToDestroy() {
        epoll.prepareToDestroy();
    }

    @Override
    public void destroy() {
        epoll.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Kept(epoll.register(handle));
    }

    @Override
    public void wakeup() {
        epoll.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return epoll.isCompatible(handleType);
    }

    /** A registration whose interest set is never empty. */
    private static final class Kept implements IoRegistration {
        private final IoRegistration registration;

        Kept(IoRegistration registration) {
            this.registration = registration;
        }

        @Override
        public <T> T attachment() {
            return registration.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            return registration.submit(ops instanceof EpollIoOps && ((EpollIoOps) ops).value() == 0 ? EpollIoOps.EPOLLET : ops);
        }

        @Override
        public boolean isValid() {
            return registration.isValid();
        }

        @Override
        public boolean cancel() {
            return registration.cancel();
        }
    }
}
