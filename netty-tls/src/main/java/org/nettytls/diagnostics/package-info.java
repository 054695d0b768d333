/**
 * Debugging: the reference's debug levels as logging categories ({@link org.nettytls.diagnostics.TlsDebug},
 * {@code $IO::Socket::SSL::DEBUG}) and the NSS key log that Wireshark reads
 * ({@link org.nettytls.diagnostics.KeyLog}, {@code SSLKEYLOGFILE}).
 */
package org.nettytls.diagnostics;
