package org.nettytls.transport;

import io.netty.channel.IoEvent;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.function.UnaryOperator;

/**
 * An {@link IoHandler} that passes every call to Netty's own handler: the base of the transport
 * fixes ({@link EpollKeptRegistration}, {@link IoUringReadsToTheReset}), each of which overrides
 * only the calls it changes, and wraps channels' handles in a {@link Handle} that does the same.
 */
abstract class ForwardingIoHandler implements IoHandler {
    final IoHandler delegate;

    ForwardingIoHandler(IoHandler delegate) {
        this.delegate = delegate;
    }

    /** A factory whose handlers are {@code wrap} applied to those of {@code netty}. */
    static IoHandlerFactory wrapping(IoHandlerFactory netty, UnaryOperator<IoHandler> wrap) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor ioExecutor) {
                return wrap.apply(netty.newHandler(ioExecutor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return netty.isChangingThreadSupported();
            }
        };
    }

    @Override
    public void initialize() {
        delegate.initialize();
    }

    @Override
    public int run(IoHandlerContext context) {
        return delegate.run(context);
    }

    @Override
    public void prepareToDestroy() {
        delegate.prepareToDestroy();
    }

    @Override
    public void destroy() {
        delegate.destroy();
    }

    @Override
    public IoRegistration register(IoHandle handle) throws Exception {
        return delegate.register(handle);
    }

    @Override
    public void wakeup() {
        delegate.wakeup();
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return delegate.isCompatible(handleType);
    }

    /**
     * A channel's handle that passes every call to the channel's own; a fix overrides
     * {@link #handle(IoRegistration, IoEvent)} and implements the transport's handle type.
     */
    abstract static class Handle<H extends IoHandle> implements IoHandle {
        final H handle;

        Handle(H handle) {
            this.handle = handle;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            handle.handle(registration, event);
        }

        @Override
        public void registered() {
            handle.registered();
        }

        @Override
        public void unregistered() {
            handle.unregistered();
        }

        @Override
        public void close() throws Exception {
            handle.close();
        }
    }
}
