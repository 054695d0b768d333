/**
 * Choosing Netty's transport once: io_uring, then epoll, then NIO ({@link org.nettytls.transport.Transport}).
 */
package org.nettytls.transport;
