package org.nettytls.annotation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a service provider interface: a type users implement or extend and netty-tls calls (a
 * check of the peer, a store of ticket keys or OCSP answers, a STARTTLS protocol). Its contract is
 * in its Javadoc, above all on which thread it is called and whether it may block (as a rule: on
 * the channel's event loop, and it must not). New methods come with defaults, so an
 * implementation keeps compiling from one minor release to the next.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface Spi {
}
