package org.nettytls.transport;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.uring.IoUringIoEvent;
import io.netty.channel.uring.IoUringIoHandle;
import io.netty.channel.uring.IoUringIoHandler;

/**
 * Netty's io_uring I/O handler, with a channel whose peer hung up (closed or reset) reading on
 * until its read says so. Netty 4.2.18 ends a read loop when a recv completion lacks
 * {@code IORING_CQE_F_SOCK_NONEMPTY} ({@code AbstractIoUringStreamChannel.readComplete0}:
 * {@code shouldCompleteReadLoop} wins over the POLLRDHUP it saw, which was meant to drain the
 * input), and it then waits on its multishot POLLIN poll, which reports only new wake-ups. After
 * a FIN the kernel keeps that flag set so that the reader goes on to the end of the stream
 * ({@code tcp_inq_hint}: "After receiving a FIN, tell the user-space to continue reading"); after
 * a reset it does not. So when a reset comes with or right after a peer's first bytes (before the
 * recv that takes them completes), the bytes arrive, the flag says the socket is empty, no
 * wake-up follows a dead socket, and the channel stays open forever with ECONNRESET unread
 * ({@code TransportTest}). Here, once a poll completion of a channel reported a hang-up (POLLRDHUP
 * or POLLHUP), its recv completions that carried bytes say the socket is not empty, as the kernel
 * says after a FIN: Netty then reads once more and gets the reset (or the end of the stream), as
 * it does on epoll. The same race ends a read loop too early when the reset comes mid-transfer,
 * and on a client channel (a proxy's upstream connection): every channel registered on the loop
 * is covered, with reads paused or not.
 *
 * <p>Cost: one small object per channel and a few compares per completion; no syscall and no
 * ring operation more, except after a reset, where the one more recv (non-blocking, as Netty's
 * reads after the first are) is the one that reads it. After a FIN the kernel sets the flag
 * itself, so nothing changes there. The loop ends: a peer that hung up sends nothing more, so the
 * next recv returns 0 or the error.
 */
final class IoUringReadsToTheReset extends ForwardingIoHandler {
    // Linux's ABI (<linux/io_uring.h>, <poll.h>); Netty's own constants are not public.
    private static final byte IORING_OP_POLL_ADD = 6;
    private static final byte IORING_OP_RECV = 27;
    private static final int IORING_CQE_F_MORE = 1 << 1;
    private static final int IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
    private static final int POLLHUP = 0x10;
    private static final int POLLRDHUP = 0x2000;

    private IoUringReadsToTheReset(IoHandler ioUring) {
        super(ioUring);
    }

    static IoHandlerFactory newFactory() {
        return wrapping(IoUringIoHandler.newFactory(), IoUringReadsToTheReset::new);
    }

    /** Netty's own registration (channels find their handler through its attachment), for a handle that reads to the reset. */
    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle instanceof IoUringIoHandle ? new ReadsToTheReset((IoUringIoHandle) handle) : handle);
    }

    /** A channel's handle that, once its peer hung up, never hears that its socket is empty after a recv that carried bytes. */
    private static final class ReadsToTheReset extends Handle<IoUringIoHandle> implements IoUringIoHandle {
        // Only the event loop touches it: completions arrive there.
        private boolean hungUp;

        ReadsToTheReset(IoUringIoHandle handle) {
            super(handle);
        }

        @Override
        public void handle(IoRegistration registration, IoEvent ioEvent) {
            IoEvent event = ioEvent;
            if (ioEvent instanceof IoUringIoEvent) {
                IoUringIoEvent e = (IoUringIoEvent) ioEvent;
                if (e.opcode() == IORING_OP_POLL_ADD && e.res() > 0 && (e.res() & (POLLRDHUP | POLLHUP)) != 0) {
                    hungUp = true;
                } else if (hungUp && e.opcode() == IORING_OP_RECV && e.res() > 0
                        && (e.flags() & (IORING_CQE_F_MORE | IORING_CQE_F_SOCK_NONEMPTY)) == 0) {
                    event = new IoUringIoEvent(e.res(), e.flags() | IORING_CQE_F_SOCK_NONEMPTY, e.opcode(), e.userData());
                }
            }
            handle.handle(registration, event);
        }
    }
}
