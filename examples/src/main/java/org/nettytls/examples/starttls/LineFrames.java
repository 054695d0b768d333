package org.nettytls.examples.starttls;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** What the example servers' line protocols share: reading one command line. */
public final class LineFrames {
    private LineFrames() {
    }

    /** The text of one line frame (UTF-8, without its CR), releasing the frame. */
    public static String text(Object frame) {
        ByteBuf b = (ByteBuf) frame;
        String line;
        try {
            line = b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }
}
