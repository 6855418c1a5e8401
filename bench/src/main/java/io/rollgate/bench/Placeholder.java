package io.rollgate.bench; final class Placeholder { private Placeholder() {} }
