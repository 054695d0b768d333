package org.nettytls.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import org.nettytls.TlsClientContext;
import org.nettytls.error.TlsException;

/** Real ClientHellos, as a netty-tls client writes them, for tests that send them by hand (whole, in part, slowly). */
public final class ClientHellos {
    private ClientHellos() {
    }

    /** The bytes {@code client} sends first when connecting to {@code name}. */
    public static byte[] of(TlsClientContext client, String name) throws TlsException {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            ch.pipeline().addLast(client.newHandler(ch.alloc(), name, 443));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object o; (o = ch.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                try {
                    byte[] bytes = new byte[b.readableBytes()];
                    b.readBytes(bytes);
                    out.writeBytes(bytes);
                } finally {
                    b.release();
                }
            }
            if (out.size() == 0) {
                throw new IllegalStateException("the client wrote no ClientHello");
            }
            return out.toByteArray();
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
