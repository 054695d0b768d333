package org.nettytls.transport;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;

/**
 * Netty's epoll I/O handler with two repairs of Netty 4.2.18, both about which descriptor an
 * epoll registration stands for.
 *
 * <p><b>Kept in the set.</b> Netty takes a channel that waits for nothing (no EPOLLIN: reads off;
 * no EPOLLOUT: nothing queued; no EPOLLRDHUP: cleared once the peer's FIN was seen) out of the set
 * with EPOLL_CTL_DEL, but remembers it as added, so the next wait it asks for is an EPOLL_CTL_MOD
 * that fails with ENOENT, and Netty closes the channel. A relay turns reads off and on all the
 * time: under load a client was closed this way right after its handshake, when the SslHandler
 * asked for a read (see {@code TransportTest}). Here a registration that would wait for nothing
 * waits for EPOLLET alone instead, which keeps it in the set; the kernel then reports only a
 * hang-up or an error, once (edge-triggered), and Netty's handler ignores a bare hang-up.
 *
 * <p><b>No stale events.</b> Netty finds the channel of an event by its descriptor number. When
 * handling one event of a batch closes a channel (a relay closes both of its channels) and opens
 * another (a proxy connects a client's upstream inside the read that completed its handshake), the
 * new socket gets the lowest free number, often the one just closed, and the rest of the batch,
 * gathered by {@code epoll_wait} before the new socket existed, may still hold the closed socket's
 * events (a reset: EPOLLIN, EPOLLERR, EPOLLHUP, EPOLLRDHUP). Netty delivers them to the new
 * channel: an upstream still connecting took the old socket's EPOLLRDHUP for its own, shut its
 * input, and the relay closed the client's connection before the upstream had answered. Here an
 * event reaches a channel only if the channel was registered before the batch was gathered: one
 * registered while the batch is handled gets nothing from that batch, and whatever its own socket
 * is ready for, the next {@code epoll_wait} reports (Netty's epoll is level-triggered).
 */
final class EpollKeptRegistration extends ForwardingIoHandler {
    /** Counts the batches; all three fields are only touched on the event loop's thread. */
    private long batch;
    private boolean inBatch;
    private long staleEventsDropped;

    private EpollKeptRegistration(IoHandler epoll) {
        super(epoll);
    }

    static IoHandlerFactory newFactory() {
        return wrapping(EpollIoHandler.newFactory(), EpollKeptRegistration::new);
    }

    @Override
    public int run(IoHandlerContext context) {
        // One run is one epoll_wait and the handling of what it returned; registrations made
        // meanwhile happen inside that handling, after the wait.
        batch++;
        inBatch = true;
        try {
            return delegate.run(context);
        } finally {
            inBatch = false;
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return new Kept(delegate.register(new Current((EpollIoHandle) handle, inBatch ? batch : -1)));
    }

    /** Events the batch being handled held for descriptors reused in it, dropped so far (read on the event loop). */
    long staleEventsDropped() {
        return staleEventsDropped;
    }

    /** A channel's handle that ignores the events of the batch during which it was registered. */
    private final class Current extends Handle<EpollIoHandle> implements EpollIoHandle {
        private final long registeredInBatch;

        Current(EpollIoHandle handle, long registeredInBatch) {
            super(handle);
            this.registeredInBatch = registeredInBatch;
        }

        @Override
        public FileDescriptor fd() {
            return handle.fd();
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            if (inBatch && registeredInBatch == batch) {
                staleEventsDropped++;
                return;
            }
            handle.handle(registration, event);
        }
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
