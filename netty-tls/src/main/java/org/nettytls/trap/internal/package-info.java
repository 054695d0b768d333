/** Not API: the handler that keeps a failed handshake's channel open and hands it to the trap. */
package org.nettytls.trap.internal;
