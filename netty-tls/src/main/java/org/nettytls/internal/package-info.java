/**
 * Not API: what several packages of this project share and nothing of theirs it needs (a leaf):
 * tcnative handles Netty keeps to itself, bounded digest memories, directory listings, IDNA and IP
 * literal parsing as the reference does it, and the state a handshake leaves on its channel.
 * Exported only to netty-tls-ocsp.
 */
package org.nettytls.internal;
