package org.nettytls.verify;

/** Small facts about engines that several packages share. */
final class TlsEngines {
    private TlsEngines() {
    }

    /**
     * The host the application connected to, from the engine's peer host. A client created
     * with SNI switched off gets its host with a trailing dot (the same DNS name, which Netty
     * does not send as SNI); this undoes that.
     */
    public static String applicationHost(String enginePeerHost) {
        if (enginePeerHost != null && enginePeerHost.endsWith(".") && enginePeerHost.length() > 1) {
            return enginePeerHost.substring(0, enginePeerHost.length() - 1);
        }
        return enginePeerHost;
    }
}
