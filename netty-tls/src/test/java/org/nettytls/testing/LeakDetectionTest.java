package org.nettytls.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak gate itself must be able to fail: a deliberately leaked buffer is reported. */
class LeakDetectionTest {
    @Test
    void paranoidLevelIsOn() {
        assertTrue(ResourceLeakDetector.getLevel() == ResourceLeakDetector.Level.PARANOID,
                "tests must run with -Dio.netty.leakDetection.level=PARANOID, found " + ResourceLeakDetector.getLevel());
    }

    @Test
    void aLeakedBufferIsReported() {
        leakOne();
        List<String> leaks = LeakDetection.drain();
        assertFalse(leaks.isEmpty(), "a leaked ByteBuf was not reported");
        assertTrue(leaks.get(0).contains("ByteBuf"), leaks.get(0));
    }

    private static void leakOne() {
        ByteBuf leaked = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
        leaked.writeInt(42);
        // Deliberately not released.
    }
}
