package org.nettytls.examples;
final class Placeholder {}
